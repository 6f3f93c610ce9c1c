// "Copy" buttons next to secrets: <button data-copy="#field-id">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  const copied = () => { button.textContent = "Copied"; };
  // The Clipboard API needs a secure context; plain-HTTP admin pages fall back.
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(copied, () => {
      document.execCommand("copy");
      copied();
    });
  } else {
    document.execCommand("copy");
    copied();
  }
});
