"""Gate devices over MQTT — thiết bị cửa khẩu / 口岸设备: topics and payloads, the listener, a demo simulator.

See ``docs/devices.md`` for the wire format and the delivery guarantees.
"""
