"""Answers in the question's language: German and Simplified Chinese wordings for the common intents.

Only wording lives here; every figure, time and name is filled in by the tool that found it (the
same values as the English rendering). Machine, signal, state and fault names have plant-language
equivalents; anything without one (an alarm's configured message, a document title) is quoted as
configured.
"""

from __future__ import annotations

from typing import Any

from hmi.core.alarms.event_codec import TransitionCause

LANGS = ("de", "zh")

MACHINES: dict[str, dict[str, str]] = {
    "de": {
        "filler": "Füller",
        "capper": "Verschließer",
        "labeller": "Etikettierer",
        "conveyor": "Förderband",
    },
    "zh": {"filler": "灌装机", "capper": "封盖机", "labeller": "贴标机", "conveyor": "输送机"},
}
# Signal part of a tag name (after "<machine>.") -> its name.
SIGNALS: dict[str, dict[str, str]] = {
    "de": {
        "bearing_temp": "Lagertemperatur",
        "glue_temp": "Leimtemperatur",
        "motor_current": "Motorstrom",
        "speed": "Geschwindigkeit",
        "speed_sp": "Geschwindigkeits-Sollwert",
        "vibration": "Schwingung",
        "fill_pressure": "Fülldruck",
        "cap_torque": "Verschließmoment",
        "state": "Zustand",
        "fault_code": "Störcode",
        "good_count": "Gutzähler",
        "reject_count": "Ausschusszähler",
        "fault_risk": "Ausfallrisiko",
        "predicted_rul": "Restlebensdauer",
        "defect_rate": "Fehlerquote",
    },
    "zh": {
        "bearing_temp": "轴承温度",
        "glue_temp": "胶水温度",
        "motor_current": "电机电流",
        "speed": "速度",
        "speed_sp": "速度设定值",
        "vibration": "振动",
        "fill_pressure": "灌装压力",
        "cap_torque": "封盖扭矩",
        "state": "状态",
        "fault_code": "故障代码",
        "good_count": "合格计数",
        "reject_count": "废品计数",
        "fault_risk": "故障风险",
        "predicted_rul": "剩余寿命",
        "defect_rate": "缺陷率",
    },
}
STATES: dict[str, dict[str, str]] = {
    "de": {
        "Stopped": "gestoppt",
        "Starting": "im Anlauf",
        "Running": "läuft",
        "Idle": "wartet (Leerlauf)",
        "Faulted": "in Störung",
    },
    "zh": {"Stopped": "停止", "Starting": "启动中", "Running": "运行中", "Idle": "空闲", "Faulted": "故障"},
}
FAULTS: dict[str, dict[str, str]] = {
    "de": {
        "Jam": "Stau",
        "Overheat": "Übertemperatur",
        "Bearing failure": "Lagerschaden",
        "Sensor fault": "Sensorfehler",
        "Motor trip": "Motorschutz ausgelöst",
    },
    "zh": {
        "Jam": "卡堵",
        "Overheat": "过热",
        "Bearing failure": "轴承故障",
        "Sensor fault": "传感器故障",
        "Motor trip": "电机跳闸",
    },
}
PRIORITIES: dict[str, dict[str, str]] = {
    "de": {"urgent": "dringend", "high": "hoch", "medium": "mittel", "low": "niedrig"},
    "zh": {"urgent": "紧急", "high": "高", "medium": "中", "low": "低"},
}

# Message templates: key -> lang -> str.format template (fields named as the English rendering's).
MESSAGES: dict[str, dict[str, str]] = {
    "oee": {
        "de": "OEE {who} ({range}): {oee} (Verfügbarkeit {a}, Leistung {p}, Qualität {q}); Gutmenge {good},"
        " Ausschuss {rejects}, Stillstand {down}.",
        "zh": "{who}OEE（{range}）：{oee}（可用率 {a}，性能 {p}，质量 {q}）；"
        "良品 {good}，废品 {rejects}，停机 {down}。",
    },
    "value": {
        "de": "{label} ist {value}{quality} (um {time}{origin}).",
        "zh": "{label}为{value}{quality}（{time}{origin}）。",
    },
    "value_none": {"de": "{label}: kein Wert aufgezeichnet.", "zh": "{label}：没有记录的数值。"},
    "status": {"de": "{machine} {state}{since}{fault}.", "zh": "{machine}：{state}{since}{fault}。"},
    "stop": {
        "de": "{the_machine} ist um {time} stehen geblieben: {state}{fault}.",
        "zh": "{machine}于{time}停机：{state}{fault}。",
    },
    "first_out": {"de": "Erstwert-Alarm: {alarm} um {time}.", "zh": "首发报警：{alarm}（{time}）。"},
    "restart": {
        "de": "Wieder in Betrieb um {time} (Stillstand {down}).",
        "zh": "{time}恢复运行（停机{down}）。",
    },
    "still_stopped": {
        "de": "Um {time} steht {the_machine} noch ({state}; bisher {down}).",
        "zh": "截至{time}{machine}仍未恢复运行（{state}；已停机{down}）。",
    },
    "still_stopped_since": {
        "de": "{the_machine} steht noch, seit {since} ({down} bis {time}).",
        "zh": "{machine}自{since}起仍停机（截至{time}已{down}）。",
    },
    "no_stop": {
        "de": "Für {machine} ist {span} kein Stillstand aufgezeichnet.",
        "zh": "{span}没有记录到{machine}停机。",
    },
    "stops": {
        "de": "{the_machine} hatte von {range} {n} {word}{list}{down}.",
        "zh": "{machine}：{range}停机{n}次{list}{down}。",
    },
    "alarms_state": {
        "de": "{n} Alarme sind um {time} {state}{where}{list}.",
        "zh": "{time}{where}有{n}个{state}报警{list}。",
    },
    "reject_line": {
        "de": "Die Ausschussquote der Linie ist {rate} ({rejects} Ausschuss, {good} gute Flaschen am Linienende,"
        " {range}).",
        "zh": "产线废品率为{rate}（废品{rejects}个，线尾合格{good}瓶，{range}）。",
    },
    "reject_machine": {
        "de": "Ausschussquote am {machine}: {rate} ({rejects} von {total} Flaschen, {range}).",
        "zh": "{machine}废品率为{rate}（{total}瓶中废品{rejects}个，{range}）。",
    },
    # The camera's rejected share of the asked window (hmi.core.qc_figures.RejectShare.text, in English).
    "qc_share": {
        "de": "Visuelle Kontrolle (Kamera) {range}: {rejects} von {inspected} geprüften Flaschen aussortiert ({pct}).",
        "zh": "视觉检测（相机）{range}：检测{inspected}瓶，剔除{rejects}瓶（{pct}）。",
    },
    "qc_rate": {
        "de": "Visuelle Kontrolle (Kamera): die Fehlerquote ist {rate} der letzten {window} geprüften Flaschen"
        " (um {time}); {n} Auswürfe aufgezeichnet.",
        "zh": "视觉检测（相机）：最近{window}个检测瓶的缺陷率为{rate}（{time}）；记录剔除{n}个。",
    },
    "procedure": {
        "de": "Verfahren: {doc}, Abschnitt „{section}“. Die Schritte (aus dem Dokument zitiert): {steps}",
        "zh": "规程：{doc}，章节“{section}”。步骤（引自文件）：{steps}",
    },
    "who": {"de": "{user} hat um {time} {what}.", "zh": "{user}于{time}{what}。"},
    "who_none": {"de": "{span} hat niemand so etwas getan.", "zh": "{span}没有记录到相关操作。"},
    "decline": {
        "de": "Das kann ich aus den Anlagendaten nicht beantworten: {why} Ich kann Ihnen sagen: {can}",
        "zh": "我无法根据工厂数据回答：{why} 我可以回答：{can}",
    },
}

# An operator action's verb by language: the alarm transitions' causes and setpoint writes.
ACTIONS: dict[str, dict[str, str]] = {
    "de": {
        TransitionCause.ACKNOWLEDGE: "quittiert",
        TransitionCause.RESET: "zurückgesetzt",
        TransitionCause.SHELVE: "zurückgestellt",
        TransitionCause.UNSHELVE: "wieder aktiviert",
        TransitionCause.OUT_OF_SERVICE: "außer Betrieb genommen",
        TransitionCause.RETURN_TO_SERVICE: "wieder in Betrieb genommen",
        "write": "geändert",
    },
    "zh": {
        TransitionCause.ACKNOWLEDGE: "确认了",
        TransitionCause.RESET: "复位了",
        TransitionCause.SHELVE: "搁置了",
        TransitionCause.UNSHELVE: "取消搁置了",
        TransitionCause.OUT_OF_SERVICE: "停用了",
        TransitionCause.RETURN_TO_SERVICE: "恢复了",
        "write": "修改了",
    },
}


_NEUTER_DE = frozenset({"conveyor"})  # das Förderband; the other machines are "der"


def machine(mid: str, lang: str, default: str) -> str:
    return MACHINES.get(lang, {}).get(mid, default)


def the_machine(mid: str, default: str, *, dative: bool = False, capital: bool = False) -> str:
    """German machine name with its article: "der Füller", "das Förderband", "am Förderband" (dative)."""
    name = machine(mid, "de", default)
    art = ("am" if dative else "das") if mid in _NEUTER_DE else ("am" if dative else "der")
    art = art.capitalize() if capital else art
    return f"{art} {name}"


def tag_label(name: str, lang: str, default: str) -> str:
    """`filler.bearing_temp` -> "Füller Lagertemperatur" / "灌装机轴承温度"; the configured label otherwise."""
    mid, _, sig = name.partition(".")
    s = SIGNALS.get(lang, {}).get(sig)
    if s is None:
        return default
    m = MACHINES.get(lang, {}).get(mid, mid)
    return f"{m}{s}" if lang == "zh" else f"{m} {s}"


def state(label: str, lang: str) -> str:
    return STATES.get(lang, {}).get(label, label)


def fault(label: str, lang: str) -> str:
    return FAULTS.get(lang, {}).get(label, label)


def msg(key: str, **fields: Any) -> dict[str, str]:
    """The message in every language it has, filled with the same fields."""
    return {lang: t.format(**fields) for lang, t in MESSAGES.get(key, {}).items()}


def per_lang(fn: Any) -> dict[str, str]:
    """{lang: fn(lang)} for the supported languages (a rendering built per language)."""
    return {lang: fn(lang) for lang in LANGS}
