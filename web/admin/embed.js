// The embed page's script: the snippets follow the theme and language
// picked, a button copies each, and the number of fans watching is read
// from the hub's active subscriptions every few seconds.
"use strict";
(() => {
	const form = document.getElementById("embed-form");
	const status = document.getElementById("status");
	function fill() {
		for (const code of document.querySelectorAll("code[data-template]")) {
			code.textContent = code.dataset.template.replaceAll("{theme}", form.theme.value).replaceAll("{lang}", form.lang.value);
		}
	}
	form.addEventListener("change", fill);
	form.querySelector(".js-hide").hidden = true;
	for (const b of document.querySelectorAll("button[data-copy]")) {
		b.hidden = false;
		b.addEventListener("click", async () => {
			const text = document.getElementById(b.dataset.copy).textContent;
			try {
				await navigator.clipboard.writeText(text);
				status.textContent = "Copied. Paste it into your site's page.";
			} catch {
				const range = document.createRange();
				range.selectNodeContents(document.getElementById(b.dataset.copy));
				getSelection().removeAllRanges();
				getSelection().addRange(range);
				status.textContent = "Selected: copy it with your keyboard or menu.";
			}
		});
	}
	const watchers = document.getElementById("watchers");
	async function count() {
		try {
			const counts = await Promise.all(watchers.dataset.urls.split(" ").map(async (url) => {
				const res = await fetch(url, { headers: { Authorization: "Bearer " + watchers.dataset.token }, cache: "no-store" });
				if (!res.ok) throw new Error("the hub answered " + res.status);
				const doc = await res.json();
				return (doc.subscriptions || []).filter((s) => s.active !== false).length;
			}));
			watchers.textContent = String(counts.reduce((a, b) => a + b, 0));
		} catch (err) {
			watchers.textContent = "not available (" + (err.message || "offline") + ")";
		}
	}
	if (watchers) {
		count();
		setInterval(count, 5000);
	}
})();
