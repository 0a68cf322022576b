// The PostgreSQL schema of the aggregates behind the storage seam (db/storage); migrations in db/migrations-pg.
export * from './suspense';
export * from './identity';
export * from './jobs';
