"""The data dashboard's domain (数据统计看板): shoppers' behaviour events, their hourly and daily
roll-ups, the funnel and channel figures read from them, RFM segments and the user portrait
(only for members who consented to profiling)."""
