export * from './reference';
export * from './accounts';
export * from './journal';
export * from './payments';
export * from './codes';
