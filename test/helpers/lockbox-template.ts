/** The First Bank lockbox CSV layout (header with lockbox and date, footer with count and total) as a template. */
export const csvTemplate = {
  name: 'First Bank lockbox CSV',
  bank: 'First Bank',
  format: 'delimited',
  delimiter: ',',
  headerLines: 1,
  footerLines: 1,
  hasColumnHeader: true,
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
    { field: 'checkNo', index: 3 },
    { field: 'payerName', index: 4 },
  ],
  header: { lockboxNo: { line: 1, index: 1 }, date: { line: 1, index: 2 } },
  footer: { count: { line: 1, index: 1 }, total: { line: 1, index: 2 } },
};
