/**
 * Security headers on every answer (等保: 入侵防范 of the application layer; OWASP's secure headers):
 * no sniffing of types, no framing, no referrer, a strict Content-Security-Policy for the API's JSON, no caching of
 * what the API answers (it may be one user's data), HSTS when the request came over https. A route that sets a
 * header itself keeps its own: an attachment's download sets its own policy, and the API documentation's routes
 * (src/http/openapi.ts) theirs, which lets Swagger UI's own scripts and styles run.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const FIXED: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/**
 * Sets the headers a reply has not set itself. The hook below calls it for every answer; an answer the router
 * makes before any hook runs (a path that does not decode) calls it directly.
 */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  for (const [name, value] of Object.entries(FIXED)) if (!reply.hasHeader(name)) reply.header(name, value);
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
  // The documentation's scripts and styles may be cached (its routes exist only while API_DOCS is open).
  if (!reply.hasHeader('cache-control') && request.routeOptions.url?.startsWith('/api/docs') !== true) {
    reply.header('cache-control', 'no-store');
  }
  if (request.protocol === 'https') {
    reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  }
}

const securityHeaders: FastifyPluginAsync = async (app) => {
  app.addHook('onSend', async (request, reply, payload) => {
    applySecurityHeaders(request, reply);
    return payload;
  });
};

export default fp(securityHeaders, { name: 'luoshi-security-headers' });
