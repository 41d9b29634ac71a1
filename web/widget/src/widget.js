// The scoreboard widget: <scoreboard-match match="ID"> and
// <scoreboard-matches competition="SLUG" date="today">, each in a Shadow
// DOM, all sharing one stream from the hub. Plain modern JavaScript, no
// framework, no globals besides the two element names, no eval, no inline
// styles or scripts: it runs under a strict Content-Security-Policy.
// web/widget (Go) bundles it with esbuild into an IIFE; CSS is the
// minified style.css, defined by the build.
/* global CSS_TEXT */
import { words } from "./i18n.js";
import { gather, get, join, leave, now, origin, pend, setNow } from "./stream.js";

const doc = document;

const sheet = new CSSStyleSheet();
sheet.replaceSync(CSS_TEXT);

// el builds an element with a class under parent.
const el = (tag, cls, parent) => {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.append(e);
  return e;
};

// clock returns the match clock's text now: minutes for football
// ("45+2'"), mm:ss otherwise, the time left when it counts down.
function clock(st) {
  const c = st.clock;
  let ms = c.elapsed_ms + (c.running ? Math.max(0, now() - Date.parse(c.at)) : 0);
  const end = c.start_ms + c.length_ms;
  if (c.count_down && c.length_ms) ms = Math.max(0, end - ms);
  else if (st.sport == "football") {
    const m = Math.floor(ms / 6e4);
    const e = end / 6e4;
    return (c.length_ms && m >= e ? e + "+" + (m - e + 1) : m + 1) + "'";
  }
  const s = Math.floor(ms / 1e3);
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}

// Base is what both elements share: the shadow root, the language, the
// live region, the pause control and the subscription.
class Base extends HTMLElement {
  static observedAttributes = ["lang", "match", "competition", "date"];

  connectedCallback() {
    if (!this.root) {
      const r = (this.root = this.attachShadow({ mode: "open" }));
      r.adoptedStyleSheets = [sheet];
      this.box = el("div", "w", r);
      this.main = el("div", "", this.box);
      const p = (this.pause = el("button", "p", this.box));
      p.type = "button";
      p.onclick = () => {
        this.paused = !this.paused;
        this.draw();
      };
      this.live = el("div", "sr", r);
      this.live.setAttribute("aria-live", "polite");
      this.live.setAttribute("aria-atomic", "true");
    }
    this.start();
  }

  disconnectedCallback() {
    leave(this);
  }

  attributeChangedCallback(name) {
    if (this.root) name == "lang" ? this.data() && this.draw() : this.start();
  }

  // start reads the element's state (from the JSON a server page embeds
  // in it, or from the API) and joins the stream.
  async start() {
    leave(this);
    this.fresh = 0;
    const j = !this.used && this.querySelector('script[type="application/json"]');
    const path = this.path();
    const g = (this.g = (this.g || 0) + 1);
    let d;
    if (!path) return;
    pend(1);
    try {
      d = j ? ((this.used = 1), JSON.parse(j.textContent)) : await get(path);
    } catch (e) {}
    pend(-1);
    if (!this.isConnected || g != this.g) return gather();
    if (!d) {
      setTimeout(() => this.isConnected && this.start(), 1e4);
      return gather();
    }
    if (d.now) setNow(d.now);
    this.set(d);
    join(this, this.resume);
  }

  async sync() {
    try {
      this.set(await get(this.path()));
      gather();
    } catch (e) {}
  }

  // t returns the word for key in the element's language.
  t(k) {
    return words(this.lang)[k];
  }

  get lang() {
    const l = this.closest("[lang]");
    try {
      return Intl.getCanonicalLocales((l && l.getAttribute("lang")) || navigator.language)[0] || "en";
    } catch (e) {
      return "en";
    }
  }

  draw() {
    const p = this.pause;
    p.textContent = this.t(this.paused ? "resume" : "pause");
    if (!this.paused) {
      this.clocks = [];
      this.render();
    }
  }

  // tick moves the running clocks on; the rest stays as it is.
  tick() {
    if (!this.paused) for (const [e, st] of this.clocks || []) e.textContent = clock(st);
  }

  // announce says a score change in the polite live region: "Goal! Lille
  // 2, Lens 1, 52'" (the new score alone when it went down: a void).
  announce(m, was, st) {
    if (this.paused) return;
    const up = st.home.score + st.away.score > was.home.score + was.away.score;
    const goal = up && /^(football|handball|ice_hockey)$/.test(st.sport) ? this.t("goal") + " " : "";
    this.live.textContent =
      goal + m.home.name + " " + st.home.score + ", " + m.away.name + " " + st.away.score + (st.status == "live" ? ", " + clock(st) : "");
  }

  // status fills e with what a match's status says: the clock while live,
  // the kick-off time (and zone; the day too unless short) before, a word
  // otherwise.
  status(e, m, st, short) {
    e.className = "st " + st.status;
    if (st.status == "live" && !st.clock.length_ms && st.sport != "football") e.textContent = this.t("live");
    else if (st.status == "live") {
      e.textContent = clock(st);
      if (st.clock.running) this.clocks.push([e, st]);
    }
    else if (st.status == "scheduled")
      e.textContent = new Intl.DateTimeFormat(this.lang, {
        ...(short || { weekday: "short", day: "numeric", month: "short" }),
        hour: "numeric",
        minute: "2-digit",
        timeZoneName: "short",
      }).format(new Date(m.kick_off));
    else e.textContent = this.t(st.status);
    // A timer: a live region that is not announced each second.
    if (st.status == "live") e.setAttribute("role", "timer");
  }
}

// next returns the state st becomes with update u, or null to ignore u.
// An update carries the match's whole compact state (score, clock,
// status) and the events that made it. When updates were missed (the hub
// lets a subscriber that is behind skip to a match's newest state), the
// state is taken at once all the same, and the timeline, which lacks the
// events in between, is marked incomplete: gap is the seq up to which it
// is complete, until an update brings the events after it.
function next(st, u) {
  if (u.id != st.id || u.seq < st.seq) return null;
  const have = st.gap ?? st.seq;
  const evs = (u.events || []).filter((e) => e.seq > have);
  let tl = st.timeline;
  if (!tl) return { ...u };
  for (const e of evs) {
    if (e.kind == "void") tl = tl.filter((x) => x.seq != e.void_seq);
    else if (!tl.some((x) => x.seq == e.seq)) tl = [...tl, e];
  }
  const gap = evs.length ? (evs[0].seq > have + 1 ? have : undefined) : st.gap;
  return { ...u, timeline: tl, gap };
}

const scored = (a, b) => a.home.score != b.home.score || a.away.score != b.away.score;

// teams fills a row: for each side a colour, a name, a short name and a
// score element holding just the number.
function team(parent, side, t, score) {
  const e = el("div", "t " + side, parent);
  const c = el("i", "c", e);
  if (/^#[0-9a-f]{6}$/i.test(t.color)) c.style.background = t.color;
  el("span", "n", e).textContent = t.name;
  el("span", "sn", e).textContent = t.short_name || t.name;
  el("b", "s", e).textContent = score;
}

customElements.get("scoreboard-match") ||
  customElements.define(
    "scoreboard-match",
    class extends Base {
      path() {
        const id = this.getAttribute("match");
        return id && "/api/v1/matches/" + encodeURIComponent(id);
      }

      data() {
        return this.st;
      }

      set(d) {
        if (this.st && this.st.id == d.state.id && d.state.seq < this.st.seq) return;
        this.m = d.match;
        this.topics = [d.topic];
        this.resume = d.state.update_id;
        this.st = d.state;
        this.draw();
      }

      onUpdate(u) {
        const st = next(this.st, u);
        if (!st) return;
        const was = this.st;
        this.st = st;
        if (scored(was, st)) this.announce(this.m, was, st);
        this.draw();
        if (st.gap !== undefined) this.later();
      }

      // later reads the match again, once, a few seconds from now at
      // random, for the timeline's events that skipped updates carried:
      // the score, clock and status show at once, and a burst that made
      // every widget skip does not make them all read the API at the same
      // moment. At most one read is pending; none when an update filled
      // the timeline meanwhile.
      later() {
        if (this.lazy) return;
        this.lazy = setTimeout(() => {
          this.lazy = 0;
          if (this.isConnected && this.st.gap !== undefined) this.sync();
        }, 2e3 + Math.random() * 4e3);
      }

      render() {
        const { m, st, main } = this;
        main.replaceChildren();
        main.className = "m";
        const top = el("div", "top", main);
        const a = el("a", "comp", top);
        a.href = origin + "/matches/" + m.id;
        a.target = "_top";
        a.textContent = m.competition;
        this.status(el("span", "", top), m, st);
        team(main, "home", st.home, st.home.score);
        team(main, "away", st.away, st.away.score);
        const ol = el("ol", "tl", main);
        // The last dozen goals and cards: all of a football match, the end
        // of a basketball game.
        for (const e of (st.timeline || []).filter((e) => e.kind == "score" || e.kind == "card").slice(-12)) {
          const li = el("li", e.team || "", ol);
          el("time", "", li).textContent = Math.floor(e.clock_ms / 6e4) + 1 + "'";
          el("i", e.kind == "card" ? "k " + e.card : "g", li);
          el("span", "", li).textContent = e.player || "";
        }
      }
    },
  );

customElements.get("scoreboard-matches") ||
  customElements.define(
    "scoreboard-matches",
    class extends Base {
      path() {
        const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
        const c = this.getAttribute("competition");
        return (
          c &&
          "/api/v1/competitions/" +
          encodeURIComponent(c) +
          "?date=" +
          encodeURIComponent(this.getAttribute("date") || "today") +
          "&tz=" +
          encodeURIComponent(tz)
        );
      }

      data() {
        return this.c;
      }

      // set takes a read of the day, keeping any match's state that the
      // stream brought since the read began.
      set(d) {
        const had = {};
        for (const x of this.c ? this.c.matches : []) had[x.match.id] = x.state;
        for (const x of d.matches) {
          const h = had[x.match.id];
          if (h && h.seq > x.state.seq) x.state = h;
        }
        this.c = d;
        this.topics = d.matches.map((x) => x.topic);
        this.draw();
      }

      onUpdate(u) {
        // The list shows no timeline: a missed update needs no read.
        for (const x of this.c.matches) {
          const st = next(x.state, u);
          if (!st) continue;
          if (scored(x.state, st)) this.announce(x.match, x.state, st);
          x.state = st;
          this.draw();
        }
      }

      render() {
        const main = this.main;
        main.replaceChildren();
        main.className = "l";
        el("div", "top", main).textContent = this.c.competition.name;
        const ul = el("ul", "", main);
        for (const { match: m, state: st } of this.c.matches) {
          const a = el("a", "", el("li", "", ul));
          a.href = origin + "/matches/" + m.id;
          a.target = "_top";
          this.status(el("span", "", a), m, st, {});
          team(a, "home", m.home, st.home.score);
          team(a, "away", m.away, st.away.score);
        }
      }
    },
  );
