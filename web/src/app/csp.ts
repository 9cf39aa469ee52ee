/**
 * The CSP nonce of this page, which the server writes into `<meta property="csp-nonce">` on every answer
 * (src/http/web-static.ts). Ant Design's `<style>` tags carry it, so the policy can refuse every other inline style.
 * Read through the `nonce` property: browsers hide the attribute's value from the DOM.
 */
export function cspNonce(): string | undefined {
  const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
  return meta?.nonce || undefined;
}

/**
 * Gives the nonce to the `<style>` elements this page's scripts add to `<head>` without one. Ant Design passes the
 * nonce to its own style tags (ConfigProvider `csp`), but one helper of its components does not: the scrollbar
 * measurement of @rc-component/util (`getScrollBarSize`), which a table with a scroll area calls. Only elements
 * that scripts insert get it: a `<style>` injected into the HTML (the attack the policy stops) is parsed, not
 * appended, and stays refused.
 */
export function nonceScriptStyles(nonce: string): void {
  const head = document.head;
  const withNonce = <T extends Node>(node: T): T => {
    if (node instanceof HTMLStyleElement && node.nonce === '') node.nonce = nonce;
    return node;
  };
  const appendChild = head.appendChild.bind(head);
  const insertBefore = head.insertBefore.bind(head);
  head.appendChild = <T extends Node>(node: T) => appendChild(withNonce(node));
  head.insertBefore = <T extends Node>(node: T, child: Node | null) => insertBefore(withNonce(node), child);
}
