"""Sales channels beyond the H5 store: where Duoshop publishes a store elsewhere. Today one,
WeChat's open platform (``channels.wechat_open``): each merchant's own mini-program."""
