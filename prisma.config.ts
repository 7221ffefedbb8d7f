// Used only by the Prisma CLI (generate, and migrate on machines that have Prisma's engine).
// The app itself never reads this file: it builds its database path from its own config.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/shellport.db' },
});
