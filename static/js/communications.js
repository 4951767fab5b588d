// Communications pages: a print button, and ticking everyone who may appear in a group
// check (no inline scripts: a strict CSP comes later).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
  if (event.target.closest("[data-tick-allowed]")) {
    for (const box of document.querySelectorAll("input[name=people][data-allowed]")) {
      box.checked = true;
    }
  }
});
