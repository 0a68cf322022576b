/** The application version, kept in step with package.json by a test. */
export const PAYDESK_VERSION = '0.1.0';
