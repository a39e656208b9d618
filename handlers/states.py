from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    name = State()
    goal = State()
    kpis = State()
    custom_kpi = State()
    targets = State()
    timezone = State()


class GuidedEntry(StatesGroup):
    value = State()


class TimezoneInput(StatesGroup):
    zone = State()


class ImportPreview(StatesGroup):
    confirm = State()
