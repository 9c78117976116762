"""The question's language, and German / Simplified Chinese questions read as English for the router.

The router's patterns are English. A German or Chinese question is turned into English words with a
plant-vocabulary lexicon (machines, signals, states, alarm words, question words), longest phrase
first, before routing; the answer is then rendered in the question's language (`i18n`). Anything
the lexicon does not know stays as it was, so a German machine name that is not on this line still
reaches the "no such machine" reply.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff]")
_GERMAN_WORDS = frozenset(
    """wie warum wieso weshalb wer wann welche welcher welches wo ist sind war waren hat haben hatte
    der das den dem des ein eine einer einem noch nicht nur kein keine gerade jetzt heute gestern
    schicht mit von bis seit und oder ich wir muss soll kann bitte zeige zeig gib gibt es viele viel
    lange oft läuft steht stand geblieben quittiert quittierte unquittiert unquittierte sollwert ausschuss
    anlage maschine maschinen alarme störung letzte letzten stunde wurde wurden welchen über für auf""".split()
)  # German words that are not also English words ("was", "die", "an" are left out)


def detect(question: str) -> str:
    """ "zh" (any CJK character), "de" (German words or umlauts with one), else "en"."""
    if _CJK.search(question):
        return "zh"
    words = set(re.findall(r"[a-zäöüß]+", question.lower()))
    hits = len(words & _GERMAN_WORDS)
    umlaut = bool(re.search(r"[äöüß]", question.lower()))
    if hits >= 2 or (umlaut and hits >= 1):
        return "de"
    return "en"


# German -> English, longest first when applied; matched on word boundaries, case-insensitive.
_DE: dict[str, str] = {
    # question frames
    "was muss ich tun": "what should i do",
    "was soll ich tun": "what should i do",
    "was tun": "what to do",
    "wie gehe ich vor": "what is the procedure",
    "wie gehe ich": "what is the procedure",
    "wie kann ich": "how can i",
    "was mache ich": "what do i do",
    "bei einem": "for a",
    "bei einer": "for a",
    "bei": "for",
    "einem": "a",
    "einer": "a",
    "eine": "a",
    "ein": "a",
    "wie behebe ich": "how do i fix",
    "wie oft": "how many times",
    "wie viele": "how many",
    "wie viel": "how much",
    "wie lange": "how long",
    "wie hoch ist": "what is",
    "wie hoch war": "what was",
    "wie hoch": "how high",
    "wie ist": "what is",
    "wie läuft": "what is the status of",
    "wie warm": "how hot",
    "was ist": "what is",
    "was war": "what was",
    "warum": "why",
    "wieso": "why",
    "weshalb": "why",
    "wer hat": "who",
    "wer": "who",
    "wann": "when",
    "welche": "which",
    "welcher": "which",
    "welches": "which",
    "gibt es": "are there",
    "noch nicht quittiert": "still unacknowledged",
    "nicht quittiert": "unacknowledged",
    "unquittiert": "unacknowledged",
    "unquittierte": "unacknowledged",
    "quittiert": "acknowledged",
    "quittierte": "acknowledged",
    "zurückgesetzt": "reset",
    "stehen geblieben": "stopped",
    "stehengeblieben": "stopped",
    "angehalten": "stopped",
    "ausgefallen": "failed",
    "gestoppt": "stopped",
    "steht": "is stopped",
    "anstehend": "standing",
    "anstehende": "standing",
    "stehen": "are standing",
    "stand": "stopped",
    "stillstände": "stops",
    "stillstand": "stop",
    "stillstandszeit": "downtime",
    "läuft": "is running",
    "in betrieb": "running",
    "blockiert": "jammed",
    "verstopft": "jammed",
    "stau": "jam",
    "störung": "fault",
    "störungen": "faults",
    "geändert": "changed",
    "verstellt": "changed",
    # time
    "gerade": "now",
    "jetzt": "now",
    "aktuell": "now",
    "im moment": "now",
    "heute": "today",
    "gestern": "yesterday",
    "diese schicht": "this shift",
    "in dieser schicht": "this shift",
    "letzte stunde": "last hour",
    "in der letzten stunde": "in the last hour",
    "letzte woche": "last week",
    "letzten woche": "last week",
    # plant words
    "zustand": "status",
    "status": "status",
    "meisten": "most",
    "am meisten": "most",
    "alarme": "alarms",
    "alarm": "alarm",
    "meldungen": "alarms",
    "ausschussquote": "reject rate",
    "ausschussrate": "reject rate",
    "ausschuss": "rejects",
    "fehlerquote": "defect rate",
    "kamera": "camera",
    "sollwert": "setpoint",
    "füllergeschwindigkeit": "filler speed",
    "geschwindigkeit": "speed",
    "lagertemperatur": "bearing temperature",
    "leimtemperatur": "glue temperature",
    "klebertemperatur": "glue temperature",
    "temperatur": "temperature",
    "motorstrom": "motor current",
    "schwingung": "vibration",
    "vibration": "vibration",
    "fülldruck": "fill pressure",
    "drehmoment": "torque",
    "verschließmoment": "cap torque",
    "ausfallrisiko": "failure risk",
    "risiko": "risk",
    "linie": "line",
    "anlage": "machine",
    "maschine": "machine",
    "maschinen": "machines",
    "verfahren": "procedure",
    "anweisung": "procedure",
    "schichtübergabe": "shift handover",
    "übergabe": "handover",
    # machines
    "füller": "filler",
    "füllmaschine": "filler",
    "abfüller": "filler",
    "verschließer": "capper",
    "verschliesser": "capper",
    "verschließmaschine": "capper",
    "etikettierer": "labeller",
    "etikettiermaschine": "labeller",
    "förderband": "conveyor",
    "transportband": "conveyor",
    "band": "conveyor",
    "palettieranlage": "palletiser",
    "palettierer": "palletiser",
    # grammar to drop
    "der": "the",
    "die": "the",
    "das": "the",
    "den": "the",
    "dem": "the",
    "am": "on the",
    "beim": "on the",
    "im": "in the",
    "ist": "is",
    "sind": "are",
    "hat": "has",
    "noch": "still",
    "wenn": "when",
    "ich": "i",
    "und": "and",
    "von": "from",
    "bis": "to",
    "seit": "since",
    "um": "at",
}

# Simplified Chinese -> English (no word boundaries in Chinese: longest first).
_ZH: dict[str, str] = {
    "怎么处理": " what should i do ",
    "怎么办": " what should i do ",
    "如何处理": " what should i do ",
    "怎样处理": " what should i do ",
    "操作规程": " procedure ",
    "规程": " procedure ",
    "步骤": " steps ",
    "为什么": " why ",
    "为何": " why ",
    "原因": " cause ",
    "是多少": " what is ",
    "多少": " how many ",
    "几次": " how many times ",
    "多久": " how long ",
    "多长时间": " how long ",
    "现在": " now ",
    "目前": " now ",
    "当前": " now ",
    "今天": " today ",
    "昨天": " yesterday ",
    "本班": " this shift ",
    "这个班": " this shift ",
    "上周": " last week ",
    "谁": " who ",
    "什么时候": " when ",
    "哪些": " which ",
    "哪个": " which ",
    "哪台": " which ",
    "未确认的报警": " unacknowledged alarms ",
    "未确认报警": " unacknowledged alarms ",
    "未确认": " unacknowledged ",
    "没有确认": " unacknowledged ",
    "已确认": " acknowledged ",
    "确认了": " acknowledged ",
    "确认": " acknowledge ",
    "报警": " alarms ",
    "告警": " alarms ",
    "停机": " stop ",
    "停了": " stopped ",
    "停止": " stopped ",
    "故障": " fault ",
    "卡瓶": " jam ",
    "堵塞": " jam ",
    "卡住": " jammed ",
    "在运行": " running ",
    "运行": " running ",
    "状态": " status ",
    "废品率": " reject rate ",
    "不良率": " reject rate ",
    "次品率": " reject rate ",
    "缺陷率": " defect rate ",
    "废品": " rejects ",
    "相机": " camera ",
    "视觉检测": " camera inspection ",
    "设定值": " setpoint ",
    "修改": " changed ",
    "改了": " changed ",
    "胶水温度": " glue temperature ",
    "轴承温度": " bearing temperature ",
    "温度": " temperature ",
    "电机电流": " motor current ",
    "电流": " current ",
    "振动信号丢失": " vibration signal lost ",
    "振动信号": " vibration signal ",
    "振动": " vibration ",
    "信号丢失": " signal lost ",
    "速度": " speed ",
    "灌装压力": " fill pressure ",
    "压力": " pressure ",
    "扭矩": " torque ",
    "故障风险": " failure risk ",
    "风险": " risk ",
    "产线": " line ",
    "生产线": " line ",
    "机器": " machines ",
    "设备": " machines ",
    "交接班": " shift handover ",
    "灌装机": " filler ",
    "封盖机": " capper ",
    "旋盖机": " capper ",
    "贴标机": " labeller ",
    "输送机": " conveyor ",
    "输送带": " conveyor ",
    "码垛机": " palletiser ",
    "吗": " ",
    "的": " ",
    "了": " ",
    "是": " is ",
    "有": " are there ",
    "还": " still ",
    "在": " ",
    "？": "?",
    "，": ",",
    "。": ".",
}


def to_english(question: str, lang: str) -> str:
    """The question in the router's English words (unchanged for "en")."""
    if lang == "zh":
        out = question
        for k in sorted(_ZH, key=len, reverse=True):
            out = out.replace(k, _ZH[k])
        return re.sub(r"\s+", " ", out).strip()
    if lang == "de":
        out = question
        for k in sorted(_DE, key=len, reverse=True):
            out = re.sub(rf"(?<![\wäöüß]){re.escape(k)}(?![\wäöüß])", _DE[k], out, flags=re.I)
        return re.sub(r"\s+", " ", out).strip()
    return question
