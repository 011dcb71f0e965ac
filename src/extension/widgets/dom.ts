// Tiny DOM helpers for the map panel's controls.
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  children: (Node | string)[] = []
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

export function button(label: string, title: string, action: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', {
    class: 'jp-Button jp-mod-minimal jp-FastSamGeo-button',
    title,
    'data-action': action,
    type: 'button',
    text: label
  });
  b.addEventListener('click', (e) => {
    e.preventDefault();
    onClick();
  });
  return b;
}
