/**
 * The CSP nonce of this page, which the server writes into `<meta property="csp-nonce">` on every answer
 * (src/http/web-static.ts). Ant Design's `<style>` tags carry it, so the policy can refuse every other inline style.
 * Read through the `nonce` property: browsers hide the attribute's value from the DOM.
 */
export function cspNonce(): string | undefined {
  const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
  return meta?.nonce || undefined;
}
