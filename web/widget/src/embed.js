// The embed page's one script: it tells the page that frames it how tall
// its content is, so that page can size the iframe to it. It posts only to
// the framing page's own origin (never "*"), and a host checks that the
// message comes from this server's origin and from its iframe's window.
// The framing page's origin: as the host names it (?origin=, for browsers
// that tell neither of the others), or as the browser tells it.
const a = location.ancestorOrigins;
const named = new URLSearchParams(location.search).get("origin");
let target = (a && a[0]) || (document.referrer && new URL(document.referrer).origin);
try {
  if (named) target = new URL(named).origin;
} catch (e) {}
if (parent !== window && target && target != "null") {
  let last;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height != last) parent.postMessage({ type: "scoreboard:height", height: (last = height) }, target);
  }).observe(document.documentElement);
}
