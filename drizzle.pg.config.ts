import { defineConfig } from 'drizzle-kit';

// The PostgreSQL dialect of the aggregates behind the storage seam: `npm run db:generate:pg`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema-pg/index.ts',
  out: process.env.DRIZZLE_OUT ?? './db/migrations-pg',
});
