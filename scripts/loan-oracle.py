#!/usr/bin/env python3
"""An independent computation of loan schedules, for the Swift credit calculator's tests.

Written apart from the Swift code (Python's decimal module, its own date arithmetic), following
../shared/reference/bank-statements-reconciliation-loans.md section 3: the annuity instalment from the
30/360 periodic rate, interest per period by the day-count convention rounded half-up to the unit, the
instalment rounded once, the last instalment absorbing the remainder.

    scripts/loan-oracle.py PRINCIPAL RATE MONTHS METHOD DAYCOUNT DISBURSED [FIRST_DUE] [UNIT]

prints the schedule as CSV: number,due_date,days,payment,principal,interest,balance.
Tests/LoansTests/Fixtures/*.csv were written by it (see the README there).
"""
import calendar
import datetime as dt
import sys
from decimal import Decimal, ROUND_HALF_UP, getcontext

getcontext().prec = 60


def add_months(anchor, months):
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def is_month_end(day):
    return day.day == calendar.monthrange(day.year, day.month)[1]


def factor(rate, start, end, daycount):
    days = (end - start).days
    if daycount == "30/360":
        d1 = 30 if is_month_end(start) else min(start.day, 30)
        d2 = 30 if (is_month_end(end) and d1 == 30) else min(end.day, 30)
        return rate * Decimal(360 * (end.year - start.year) + 30 * (end.month - start.month) + d2 - d1) / 360
    if daycount == "act/365":
        return rate * days / 365
    if daycount == "act/360":
        return rate * days / 360
    if daycount == "act/act":
        total = Decimal(0)
        cursor = start
        while cursor < end:
            boundary = min(end, dt.date(cursor.year + 1, 1, 1))
            year_days = 366 if calendar.isleap(cursor.year) else 365
            total += rate * (boundary - cursor).days / year_days
            cursor = boundary
        return total
    raise SystemExit("unknown day count " + daycount)


def main(argv):
    principal, rate, months, method, daycount, disbursed = argv[1:7]
    principal = Decimal(principal)
    rate = Decimal(rate) / 100
    months = int(months)
    disbursed = dt.date.fromisoformat(disbursed)
    explicit_first_due = len(argv) > 7 and argv[7] != "-"
    first_due = dt.date.fromisoformat(argv[7]) if explicit_first_due else None
    unit = Decimal(argv[8]) if len(argv) > 8 else Decimal("0.01")
    q = lambda x: x.quantize(unit, rounding=ROUND_HALF_UP)
    i = rate / 12
    if method == "annuity":
        instalment = q(principal / months) if i == 0 else q(principal * i / (1 - (1 + i) ** -months))
    else:
        instalment = q(principal / months)
    balance = principal
    previous = disbursed
    print("number,due_date,days,payment,principal,interest,balance")
    for k in range(1, months + 1):
        # Due dates keep the anchor's day, clamped to each month's end: the disbursement's day (31 January ->
        # 28 February -> 31 March), or the first due date's when one is given.
        due = add_months(first_due, k - 1) if explicit_first_due else add_months(disbursed, k)
        interest = q(balance * factor(rate, previous, due, daycount))
        if k == months:
            part = balance
        elif method == "annuity":
            part = instalment - interest
        else:
            part = instalment
        payment = part + interest
        balance -= part
        print(f"{k},{due.isoformat()},{(due - previous).days},{payment:.2f},{part:.2f},{interest:.2f},{balance:.2f}")
        previous = due


if __name__ == "__main__":
    main(sys.argv)
