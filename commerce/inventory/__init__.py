"""Stock planning and batches (供应链): safety stock from sales velocity, the turnover report,
batches received by supplier with production and expiry dates, and each shipped unit's batch."""
