mod facturx;
