// facteur portal: the little behaviour HTML cannot give on its own. Every page works
// without it (the refusal form is a plain page); with it, the refusal opens as a modal
// dialog that takes the focus and gives it back when it closes.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const opener of document.querySelectorAll("[data-opens-dialog]")) {
    const dialog = document.getElementById(opener.dataset.opensDialog);
    if (!dialog || typeof dialog.showModal !== "function") continue;
    opener.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
      const first = dialog.querySelector("textarea, input, select, button");
      if (first) first.focus();
    });
    // Escape and the "Annuler" button both close it; the focus goes back to the
    // button that opened it, so keyboard users do not lose their place.
    dialog.addEventListener("close", () => opener.focus());
    for (const cancel of dialog.querySelectorAll("[data-closes-dialog]")) {
      cancel.addEventListener("click", () => dialog.close());
    }
  }
});
