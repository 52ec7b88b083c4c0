-- Reading an invoice lists the credit notes that cancel it; without this index that was a
-- scan of all the organization's invoices (20 ms at 100,000), on every invoice page, PDF
-- and receipt.
create index invoices_credits_idx on invoices (credits_invoice_id) where credits_invoice_id is not null;
