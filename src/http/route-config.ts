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

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A state-changing request here must carry an Origin header that is Shellport's own: a client
     * without one (a script holding a stolen cookie) is refused too. For the answers that let an agent act.
     */
    requireOrigin?: boolean;
  }
}

export const ORIGIN_REQUIRED = { requireOrigin: true } as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * With `public`: the route authenticates by a capability in its URL, never by the session cookie
     * (the preview links, src/features/preview), so the guard's cross-site check does not apply: the
     * sandboxed pages it serves make cross-site requests by design, and without the cookie a forged
     * request has nothing to borrow.
     */
    capabilityUrl?: boolean;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route answers on preview hosts (`<port>.<PREVIEW_DOMAIN>`, src/features/preview/hosts.ts)
     * and checks their Host itself: the security plugin's Host check, which accepts Shellport's own
     * names only, skips it.
     */
    previewHost?: boolean;
  }
}
