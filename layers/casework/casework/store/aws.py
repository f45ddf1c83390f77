"""AWS failing (unreachable, throttled, refusing a call), named for the domain so that only the store imports botocore.

The store lets botocore's errors through unchanged: where the only answer is to fail and be retried (a queue
message comes back, an API call answers 500) nobody needs to catch them. Domain code that must carry on instead
(an alert left pending for the sweep), or that catches broadly and must step aside for them (an import file is
refused for what it holds, never because AWS failed), names them as `aws.ERRORS`.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError)
