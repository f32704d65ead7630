import sys

from sandbox.wechatpay.server import main

sys.exit(main())
