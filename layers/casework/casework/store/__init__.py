"""Storage: the only package that talks to DynamoDB. Functions are named after access patterns."""
