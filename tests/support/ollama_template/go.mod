module hera.local/ollamatemplate

go 1.19
