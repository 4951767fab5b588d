// The consent card: keep the answer for a whole purpose and the answers per type in step,
// and put the keyboard focus on a save's confirmation. The page works without it.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (input.type !== "radio") return;
  const row = input.closest(".purpose-row");
  if (!row) return;
  if (input.name.startsWith("consent:")) {
    const each = row.querySelector('input[value="each"]');
    if (each) each.checked = true;
  } else if (input.value === "yes" || input.value === "no") {
    row.querySelectorAll(`input[name^="consent:"][value="${input.value}"]`).forEach((cell) => {
      cell.checked = true;
    });
  }
});
document.addEventListener("DOMContentLoaded", () => {
  if (location.hash.startsWith("#saved-")) {
    const saved = document.getElementById(location.hash.slice(1));
    if (saved) saved.focus({ preventScroll: true });
  }
});
