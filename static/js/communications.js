// Communications pages: a print button (no inline scripts: a strict CSP comes later).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
