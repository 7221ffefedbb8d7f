declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without signing in. Every other route passes the auth guard. */
    public?: boolean;
  }
}

export const PUBLIC_ROUTE = { public: true } as const;
