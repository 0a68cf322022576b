// The PostgreSQL schema of the ledger, table for table the SQLite one in db/schema (test/db/schema-parity.test.ts
// holds them to each other); migrations in db/migrations-pg.
export * from './reference';
export * from './accounts';
export * from './journal';
export * from './payments';
export * from './codes';
export * from './admin';
export * from './processors';
export * from './refunds';
export * from './suspense';
export * from './confirmations';
export * from './identity';
export * from './approvals';
export * from './plans';
export * from './directdebit';
export * from './mandate-files';
export * from './reports';
export * from './pushes';
export * from './jobs';
