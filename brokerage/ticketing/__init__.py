"""The Digital Charity Ball: ticket sales through Stripe Checkout, guests, check-in, refunds."""
