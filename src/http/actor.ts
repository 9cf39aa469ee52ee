/**
 * Who acts. Every request carries `request.actor`: the `Actor` that services take, or null. The server finds it
 * from the session cookie (src/http/session.ts); tests may instead supply one through `resolveActor`, which the
 * production server never passes. The server never takes an actor from a request header: anyone could send one.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../services/context.ts';
import { unauthenticated } from './errors.ts';

/** Finds the actor of a request, or null when there is none (tests only; the server uses sessions). */
export type ActorResolver = (request: FastifyRequest) => Actor | null | Promise<Actor | null>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in actor, or null (see src/http/actor.ts). Routes use {@link requireActor}. */
    actor: Actor | null;
  }
}

export interface ActorPluginOptions {
  readonly resolveActor?: ActorResolver | undefined;
}

/** The actor of a request that needs one; throws the 401 `unauthenticated` error when there is none. */
export function requireActor(request: FastifyRequest): Actor {
  if (request.actor === null) throw unauthenticated();
  return request.actor;
}

const actorPlugin: FastifyPluginAsync<ActorPluginOptions> = async (app, { resolveActor }) => {
  app.decorateRequest('actor', null);
  if (resolveActor === undefined) return;
  app.addHook('onRequest', async (request) => {
    const actor = await resolveActor(request);
    // The audit trail records where a change came from; the socket's address unless the resolver knows better.
    request.actor = actor === null ? null : { ...actor, ip: actor.ip ?? request.ip };
  });
};

export default fp(actorPlugin, { name: 'luoshi-actor' });
