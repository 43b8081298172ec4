/** The route-level declaration of who may call a route, enforced by the auth plugin (`auth.ts`). */
import type { Principal, Role } from '../protocol/index.js';

export { roles, type Role, type Principal } from '../protocol/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on this route; 'public' = no token needed (health checks, sign-in, static). */
    roles?: readonly Role[] | 'public';
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}
