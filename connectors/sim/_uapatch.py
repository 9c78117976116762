"""Make asyncua 2.1's server-side data-change filter behave as OPC UA Part 4 says.

The simulator should behave like a PLC's OPC UA server, because the HMI is
tested against it. asyncua 2.1.0's MonitoredItemService differs in three ways
that the HMI would notice (its client asks for absolute deadbands):

1. A status change whose value does not move past the deadband is dropped: a
   sensor going to BadSensorFailure (value null or frozen) never reaches the
   client. Part 4 (7.22.2): the deadband applies to the value; a status change
   is always reported.
2. The deadband is compared with the previous *sample*, not with the last
   *reported* value, so a slow drift smaller than the deadband per sample is
   never reported at all.
3. A null value under a deadband raises TypeError inside the callback.

It also deep-copies every DataValue for every monitored item, which is most
of the server's cost per notification; a DataValue holding an immutable scalar
(what every tag here carries) needs no copy.

`apply()` patches the class once per process. It only touches the data-change
path of server-side monitored items; it is a no-op on any asyncua version other
than the one it was written against (the project pins asyncua==2.1.0).
"""

from __future__ import annotations

import copy
import logging
import math
import os
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

_IMMUTABLE = (int, float, str, bool, bytes, datetime, type(None))
_applied = False


def _finite(v: Any) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def apply() -> bool:
    global _applied
    if _applied:
        return True
    if os.environ.get("LINEHMI_SIM_NO_UAPATCH"):  # benchmarks compare with asyncua as shipped
        return False
    import asyncua
    from asyncua import ua
    from asyncua.server import monitored_item_service as mis

    if not str(getattr(asyncua, "__version__", "")).startswith("2.1.") or not hasattr(
        mis.MonitoredItemService, "datachange_callback"
    ):
        log.warning("asyncua %s: data-change filter patch not applied", getattr(asyncua, "__version__", "?"))
        return False

    def set_current_datavalue(self: Any, cur_val: Any) -> None:
        self.old_dvalue = self.current_dvalue
        v = cur_val.Value
        if v is None or isinstance(v.Value, _IMMUTABLE):
            self.current_dvalue = cur_val  # nothing inside can change under us
        else:
            self.current_dvalue = copy.deepcopy(cur_val)

    async def datachange_callback(self: Any, handle: int, value: Any, error: Any = None) -> None:
        if error:
            self.logger.info(
                "subscription %s: datachange callback with handle %s and error %s", self, handle, error
            )
            await self.trigger_statuschange(error)
            return
        mid = self._monitored_datachange.get(handle)
        mdata = self._monitored_items.get(mid) if mid is not None else None
        if mdata is None or mdata.mode == ua.MonitoringMode.Disabled:
            return
        mdata.mvalue.set_current_datavalue(value)
        flt = mdata.filter if isinstance(mdata.filter, ua.DataChangeFilter) else None
        trigger = flt.Trigger if flt is not None else ua.DataChangeTrigger.StatusValue
        if not self._is_data_changed(mdata.mvalue, trigger):
            return
        if flt is not None and flt.DeadbandType == ua.DeadbandType.Absolute:
            last = getattr(mdata, "_reported", None)
            if last is not None and last.StatusCode == value.StatusCode:
                a = _finite(value.Value.Value if value.Value is not None else None)
                b = _finite(last.Value.Value if last.Value is not None else None)
                within = a is not None and b is not None and abs(a - b) <= flt.DeadbandValue
                if within and trigger != ua.DataChangeTrigger.StatusValueTimestamp:
                    return
        elif flt is not None and flt.DeadbandType == ua.DeadbandType.Percent:
            self.logger.warning("DeadbandType Percent is not implemented !")
        mdata._reported = value
        event = ua.MonitoredItemNotification()
        event.ClientHandle = mdata.client_handle
        event.Value = value
        await self.isub.enqueue_datachange_event(mid, event, mdata.queue_size)

    mis.MonitoredItemValues.set_current_datavalue = set_current_datavalue  # type: ignore[method-assign]
    mis.MonitoredItemService.datachange_callback = datachange_callback  # type: ignore[method-assign]
    _applied = True
    return True
