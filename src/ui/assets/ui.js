/* global document, navigator */
// Progressive enhancement only: every page works without this file. Served from /ui/assets
// (the CSP allows scripts from this origin only, nothing inline).
document.addEventListener('DOMContentLoaded', () => {
  // A "Copy" button beside each raw body, for pasting the exact stored bytes into a ticket.
  if (!navigator.clipboard) return;
  for (const details of document.querySelectorAll('details.raw')) {
    const pre = details.querySelector('pre');
    const summary = details.querySelector('summary');
    if (!pre || !summary) continue;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', `Copy ${pre.getAttribute('aria-label') ?? 'raw body'}`);
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(pre.textContent ?? '').then(
        () => (button.textContent = 'Copied'),
        () => (button.textContent = 'Copy failed'),
      );
    });
    details.insertBefore(button, summary.nextSibling);
  }
});
