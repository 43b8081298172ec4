/** Who is calling, and the route-level declaration of who may. Enforced by the auth plugin. */
export const roles = ['agent', 'supervisor', 'admin', 'ingress', 'service'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  /** User id or token id. */
  id: string;
  role: Role;
  kind: 'user' | 'token' | 'dev';
  name?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on this route; 'public' = no token needed (health checks, sign-in, static). */
    roles?: readonly Role[] | 'public';
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}
