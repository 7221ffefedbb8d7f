declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without signing in. Every other route passes the auth guard. */
    public?: boolean;
  }
}

export const PUBLIC_ROUTE = { public: true } as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body streams for as long as it takes (uploads): only a stall ends it, not the total time. */
    streamingBody?: boolean;
  }
}
