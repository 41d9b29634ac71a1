// The match console's script. Without it every button is a plain form
// post; with it, a tap is queued in localStorage the moment it is made,
// with its own idempotency key, and sent in order to the JSON API until
// the server answers, so that no tap is lost (offline, a reload) or
// doubled (a retry is recognised by its key). The view follows the hub.
"use strict";
(() => {
	const consoleEl = () => document.getElementById("console");
	if (!consoleEl()) return;
	const matchID = consoleEl().dataset.match;
	const storeKey = "scoreboard.taps." + matchID;
	const eventsURL = "/api/v1/matches/" + matchID + "/events";
	let viewSeq = Number(consoleEl().dataset.seq);
	let skew = Number(consoleEl().dataset.serverNow) - Date.now();
	let queue = load();
	let recent = []; // the last answers: {text, state}
	let sending = false;
	let retryTimer = 0;

	function load() {
		try {
			const q = JSON.parse(localStorage.getItem(storeKey) || "[]");
			return Array.isArray(q) ? q : [];
		} catch {
			return [];
		}
	}
	function persist() {
		localStorage.setItem(storeKey, JSON.stringify(queue));
	}
	function newKey() {
		const b = new Uint8Array(16);
		crypto.getRandomValues(b);
		return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
	}
	function announce(text) {
		const s = document.getElementById("status");
		if (s) s.textContent = text;
	}

	// formEvent reads a console form as the event it asks for, as the
	// server's formEvent does for the same form posted without script.
	function formEvent(form, submitter) {
		const fd = new FormData(form, submitter);
		const tap = String(fd.get("tap") || "");
		const cut = tap.indexOf("/");
		const kind = cut < 0 ? tap : tap.slice(0, cut);
		const arg = cut < 0 ? "" : tap.slice(cut + 1);
		const ev = { kind };
		if (kind === "score") ev.score_kind = arg;
		if (kind === "card") ev.card = arg;
		if (kind === "void") ev.void_seq = Number(arg);
		const fields = ["team", "player", "text"];
		if (kind === "score") fields.push("assist");
		if (kind === "substitution") fields.push("player_in");
		for (const f of fields) {
			const v = String(fd.get(f) || "").trim();
			if (v) ev[f] = v;
		}
		if (kind === "score_correction") {
			ev.home = Number(fd.get("home"));
			ev.away = Number(fd.get("away"));
		}
		if (kind === "clock_adjust") {
			const m = /^(\d+)(?::(\d{1,2}))?$/.exec(String(fd.get("set_clock") || "").trim());
			if (!m) return null;
			ev.set_clock_ms = (Number(m[1]) * 60 + Number(m[2] || 0)) * 1000;
		}
		return kind ? ev : null;
	}

	// tap queues ev: it expects the view's seq plus the taps ahead of it,
	// each of which will take one seq when saved.
	function tap(ev, label) {
		ev.idempotency_key = newKey();
		ev.expected_seq = viewSeq + queue.length;
		queue.push({ ev, label });
		persist();
		renderTaps();
		announce(label + ": pending");
		send();
	}

	async function send() {
		if (sending || queue.length === 0) return;
		sending = true;
		clearTimeout(retryTimer);
		const item = queue[0];
		let res, body;
		try {
			res = await fetch(eventsURL, {
				method: "POST", credentials: "same-origin",
				headers: { "Content-Type": "application/json", Accept: "application/json" },
				body: JSON.stringify(item.ev),
			});
			body = await res.json().catch(() => null);
		} catch {
			sending = false;
			retryLater(2000);
			return;
		}
		sending = false;
		const message = body && body.error ? body.error.message : "the server answered " + res.status;
		if (res.ok) {
			queue.shift();
			persist();
			if (body && body.state) viewSeq = Math.max(viewSeq, body.state.seq);
			remember(item.label + ": saved (#" + (body && body.event ? body.event.seq : "?") + ")", "saved");
			refresh();
		} else if (res.status === 429 || res.status >= 500 || res.status === 401) {
			if (res.status === 401) announce("Your session has ended: log in again in another tab; your taps are kept.");
			retryLater(res.status === 401 ? 5000 : 3000);
			return;
		} else {
			// Refused (a stale view, a rule): it will never be saved as
			// it is, so it leaves the queue, and the taps behind it no
			// longer wait for its seq.
			queue.shift();
			for (const later of queue) later.ev.expected_seq -= 1;
			persist();
			remember(item.label + ": not saved. " + message, "failed");
			refresh();
		}
		renderTaps();
		if (queue.length) send();
	}
	function retryLater(ms) {
		clearTimeout(retryTimer);
		retryTimer = setTimeout(send, ms);
		renderTaps();
	}
	function remember(text, state) {
		recent.unshift({ text, state });
		recent = recent.slice(0, 3);
		announce(text);
	}

	function renderTaps() {
		const ol = document.getElementById("taps");
		if (!ol) return;
		const items = queue.map((q) => {
			const li = document.createElement("li");
			li.className = "pending";
			li.textContent = q.label + ": pending, not yet saved";
			return li;
		});
		for (const r of recent) {
			const li = document.createElement("li");
			li.className = r.state;
			li.textContent = r.text;
			items.push(li);
		}
		ol.replaceChildren(...items);
	}

	// refresh replaces the view with the server's, keeping what was being
	// typed and where the focus was.
	let refreshing = false, again = false, staleReads = 0;
	async function refresh() {
		if (refreshing) { again = true; return; }
		refreshing = true;
		let ok = false;
		try {
			const res = await fetch(location.pathname, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } });
			if (res.ok) {
				const doc = new DOMParser().parseFromString(await res.text(), "text/html");
				const fresh = doc.getElementById("console");
				// A view read before a tap's answer came back is older than
				// what the console knows: keep the newer one and read again
				// (a few times at most), or the next tap would carry a stale
				// expected_seq and be refused.
				if (fresh && Number(fresh.dataset.seq) < viewSeq && staleReads < 3) {
					staleReads++;
					again = true;
				} else if (fresh) {
					staleReads = 0;
					swap(fresh);
				}
				ok = true;
			}
		} catch {
			// Offline: the view stays as it is until the next answer.
		}
		refreshing = false;
		if (again) { again = false; return refresh(); }
		return ok;
	}
	function swap(fresh) {
		const old = consoleEl();
		const typed = {};
		old.querySelectorAll("input[id]").forEach((i) => {
			if (i.type !== "hidden" && i.value !== i.defaultValue) typed[i.id] = i.value;
		});
		const open = [...old.querySelectorAll("details")].map((d) => d.open);
		const focus = focusPath(old);
		const next = document.importNode(fresh, true);
		old.replaceWith(next);
		for (const [id, v] of Object.entries(typed)) {
			const i = document.getElementById(id);
			if (i) i.value = v;
		}
		next.querySelectorAll("details").forEach((d, i) => { if (open[i]) d.open = true; });
		const el = focus && focus(next);
		if (el) el.focus();
		viewSeq = Math.max(viewSeq, Number(next.dataset.seq));
		skew = Number(next.dataset.serverNow) - Date.now();
		renderTaps();
		tick();
	}
	// focusPath says how to find the focused control in the new view: by
	// its id, or by its form's place and its value.
	function focusPath(root) {
		const a = document.activeElement;
		if (!a || !root.contains(a)) return null;
		if (a.id) return (next) => next.querySelector("#" + CSS.escape(a.id));
		const form = a.closest("form");
		const i = [...root.querySelectorAll("form")].indexOf(form);
		if (i < 0 || !a.value) return null;
		return (next) => {
			const f = next.querySelectorAll("form")[i];
			return f ? f.querySelector(`[value="${CSS.escape(a.value)}"]`) : null;
		};
	}

	// The clock runs in the page from the state's instant, on the server's
	// time, never from a push each second.
	function tick() {
		const el = document.getElementById("clock");
		if (!el) return;
		const d = el.dataset;
		let ms = Number(d.elapsed);
		if (d.running === "true") ms += Math.max(0, Date.now() + skew - Number(d.at));
		if (d.countdown === "true" && Number(d.length) > 0) ms = Math.max(0, Number(d.start) + Number(d.length) - ms);
		const s = Math.floor(ms / 1000);
		el.textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
	}
	setInterval(tick, 250);

	function subscribe() {
		const url = consoleEl().dataset.hub;
		if (!window.EventSource || !url) return;
		const es = new EventSource(url);
		es.onmessage = (e) => {
			let seq = -1;
			try { seq = JSON.parse(e.data).seq; } catch { /* not a match update */ }
			if (seq !== viewSeq) refresh();
		};
	}

	function labelOf(form, submitter) {
		const legend = form.querySelector("legend");
		let what = "";
		if (submitter) {
			const c = submitter.cloneNode(true);
			c.querySelectorAll("kbd, .visually-hidden").forEach((k) => k.remove());
			what = c.textContent.replace(/\s+/g, " ").trim();
		}
		return legend ? what + " · " + legend.textContent.trim() : what;
	}

	document.addEventListener("submit", (e) => {
		const form = e.target;
		if (!form.classList.contains("tap")) return;
		e.preventDefault();
		const dialog = form.closest("dialog");
		const ev = formEvent(form, e.submitter);
		if (!ev) { announce("Type the clock as minutes:seconds, for example 45:00."); return; }
		const label = dialog ? dialog.dataset.label : labelOf(form, e.submitter);
		if (dialog) dialog.close();
		form.querySelectorAll('input[type="text"]').forEach((i) => { i.value = ""; });
		tap(ev, label);
	});

	const dialog = document.getElementById("confirm-dialog");
	document.addEventListener("click", (e) => {
		const a = e.target.closest("a[data-tap]");
		if (a) {
			e.preventDefault();
			ask(a.dataset.tap, a.dataset.confirm);
		}
		if (e.target.id === "confirm-no") dialog.close();
	});
	function ask(tapValue, question) {
		dialog.querySelector("#confirm-question").textContent = question;
		dialog.querySelector("#confirm-tap").value = tapValue;
		dialog.querySelector("#confirm-text").value = "";
		dialog.dataset.label = question.replace(/\?$/, "");
		dialog.showModal();
		dialog.querySelector("#confirm-yes").focus();
	}

	document.addEventListener("keydown", (e) => {
		if (e.ctrlKey || e.metaKey || e.altKey || dialog.open) return;
		if (e.target.closest && e.target.closest("input, textarea, select, [contenteditable]")) return;
		const el = consoleEl().querySelector(`[data-key="${CSS.escape(e.key)}"]`);
		if (!el) return;
		e.preventDefault();
		if (el.tagName === "BUTTON") el.form.requestSubmit(el);
		else el.click();
	});

	window.addEventListener("online", send);
	window.addEventListener("storage", (e) => { if (e.key === storeKey) { queue = load(); renderTaps(); } });
	setInterval(() => { if (queue.length && !sending) send(); }, 5000);
	renderTaps();
	tick();
	subscribe();
	send();
	// The page may be the copy the service worker kept: say so when the
	// server cannot be reached to bring it up to date.
	refresh().then((ok) => {
		if (!ok) announce("Offline: this view may be out of date. Taps are kept on this phone and sent when the network is back.");
	});
	if ("serviceWorker" in navigator) {
		navigator.serviceWorker.register("/admin/sw.js", { scope: "/admin/" }).catch(() => {});
	}
})();
