// The one stream that every widget element of a page shares: the hub's
// event stream for the topics of all of them, read with fetch (which,
// unlike EventSource, sees the hub's heartbeat comments, so a stream that
// stays open but silent is found out), resumed from the last update's id
// after every drop, and replaced by polling where something buffers it.

// origin is the server: where the widget's script came from (a host page
// may be a file:// page or on another origin).
const script = document.currentScript;
export const origin = new URL(script ? script.src : location.href).origin;
// hb is the hub's heartbeat interval as far as the widget knows: its
// default, doubled (up to two minutes) each time a stream stays silent for
// twice as long, for a server configured with a longer one.
let hb = 15e3;
// The hub flushes a first comment with its headers: a stream that sends
// nothing for this long is buffered on its way (a proxy, an antivirus).
const FIRST = 1e4;
const POLL = 15e3; // how often a blocked stream is replaced by a read

// subs are the elements on the page that follow matches: each has topics,
// onUpdate(update), sync() (read its state again) and tick().
const subs = new Set();
// offset is the reader's clock minus the server's, in ms.
let offset = 0;
// setNow tells the server's time now, from a page the server rendered.
export const setNow = (t) => (offset = Date.now() - Date.parse(t));
let last = ""; // the id of the last update seen: where a reconnect resumes
let key; // the topics of the open stream
let abort; // aborts the open stream
let timer; // silence, first byte, reconnect or poll timer
let soon; // gathers the elements that join at once into one connect
let pending = 0; // elements still reading their first state
// pend counts an element that starts (1) or ends (-1) its first read.
export const pend = (n) => (pending += n);
let failures = 0;
let polling = 0; // polls since streaming was given up, or 0
let lastByte = 0;

// now is the server's time, as far as the reader's clock tells.
export const now = () => Date.now() - offset;

// get reads a public JSON document, revalidating it with its ETag (the
// browser sends If-None-Match itself with cache "no-cache"), and corrects
// offset from the response's Date.
export async function get(path) {
  const t0 = Date.now();
  const res = await fetch(origin + path, { cache: "no-cache", credentials: "omit" });
  if (!res.ok) throw Error(res.status);
  const d = Date.parse(res.headers.get("date"));
  if (d) offset = (t0 + Date.now()) / 2 - d - 500;
  return res.json();
}

// join adds a subscriber whose state is that of update id; the stream
// resumes from the first id it has, and reads the others' states again
// once it is open, so none misses an update.
export function join(s, id) {
  if (!last && id) {
    last = id;
    s.fresh = 1;
  }
  subs.add(s);
  gather();
}

export function leave(s) {
  subs.delete(s);
  gather();
}

// gather connects once the elements of the page have read their states,
// or after a while if one takes long.
export function gather() {
  clearTimeout(soon);
  soon = setTimeout(connect, pending ? 3e3 : 50);
}

function later(fn, ms) {
  clearTimeout(timer);
  timer = setTimeout(fn, ms);
}

function close() {
  if (abort) abort.abort();
  abort = key = null;
}

// connect opens one stream for every subscriber's topics, or keeps the
// open one if they did not change; force reopens it (a reconnect).
async function connect(force) {
  const topics = [...new Set([...subs].flatMap((s) => s.topics || []))].sort();
  const k = topics.join(" ");
  if (!topics.length) return close();
  if (k === key && !force) return opened(1);
  if (polling && !force) return later(poll, POLL);
  close();
  key = k;
  const ctl = (abort = new AbortController());
  const q = topics.map((t) => "topic=" + encodeURIComponent(t));
  if (last) q.push("lastEventID=" + encodeURIComponent(last));
  later(() => fail(ctl, 1), FIRST);
  try {
    const res = await fetch(origin + "/.well-known/mercure?" + q.join("&"), {
      signal: ctl.signal,
      credentials: "omit",
      cache: "no-store",
    });
    if (!res.ok) throw Error(res.status);
    await read(res.body.pipeThrough(new TextDecoderStream()).getReader(), ctl);
  } catch (e) {}
  fail(ctl);
}

// read parses the event stream, dispatching each update to every
// subscriber; any byte (a heartbeat too) shows the stream is alive.
async function read(reader, ctl) {
  const t0 = Date.now();
  let buf = "";
  let id;
  let data = [];
  let first = 1;
  for (;;) {
    const { value, done } = await reader.read();
    if (done || ctl.signal.aborted) return;
    if (first) opened((first = 0));
    // A stream that lived a while was no failure, whatever ends it.
    if ((lastByte = Date.now()) - t0 > 3e4) failures = 0;
    later(() => {
      hb = Math.min(2 * hb, 12e4);
      fail(ctl);
    }, 2 * hb);
    const lines = (buf + value).split(/\r\n|\r|\n/);
    buf = lines.pop();
    for (const l of lines) {
      if (!l) {
        try {
          if (data.length) dispatch(JSON.parse(data.join("\n")));
        } catch (e) {} // not an update of the widget's: someone else's
        if (id != null) last = id;
        id = null;
        data = [];
      } else if (l.startsWith("data:")) data.push(l.slice(5).replace(/^ /, ""));
      else if (l.startsWith("id:")) id = l.slice(3).trim();
    }
  }
}

// opened runs when a stream's first byte arrives (or, kept, when an
// element joins it): the elements that joined after its resume point read
// their state again, so that none misses what came in between.
function opened(kept) {
  if (!kept) polling = 0;
  for (const s of subs) if (!s.fresh) (s.fresh = 1), s.sync();
}

function dispatch(u) {
  for (const e of u.events || []) {
    const t = Date.parse(e.recorded_at);
    if (now() < t) offset = Date.now() - t;
  }
  for (const s of subs) s.onUpdate(u);
}

// fail ends stream ctl and tries again: at once the first time, then
// backing off; after three failures in a row (streams that end within
// half a minute count), or a stream that never sent a byte, it polls the
// public state instead.
function fail(ctl, blocked) {
  if (ctl !== abort) return;
  close();
  lastByte = 0;
  if (blocked || ++failures > 3) return poll();
  later(() => connect(1), failures < 2 ? 0 : 1e3 * 2 ** failures * (1 + Math.random()));
}

// poll reads every subscriber's state, and tries the stream again now and
// then.
function poll() {
  close();
  if (polling++ % 8 == 7) return connect(1);
  for (const s of subs) s.sync();
  later(poll, POLL);
}

// A tab back from the background, a page from the back-forward cache, a
// network back online: the stream may be dead without knowing it.
const wake = () => {
  if (document.visibilityState != "hidden" && Date.now() - lastByte > hb) connect(1);
};
for (const e of ["visibilitychange", "pageshow", "online"]) (e == "visibilitychange" ? document : window).addEventListener(e, wake);
setInterval(() => subs.forEach((s) => s.tick()), 1e3);

