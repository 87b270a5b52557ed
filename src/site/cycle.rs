//! The revision cycle (SSR2 Recommendation 10.2): windows every `interval_years` opening
//! in `month`, each to be closed by a release within `limit_business_days` business days
//! (weekends and listed holidays excluded), and the annual-update check. Pure date
//! arithmetic; "today" is an input.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

use crate::model::Cycle;

pub fn is_business_day(day: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && holidays.binary_search(&day).is_err()
}

/// Business days from `start` to `end`, both included (0 when `end` is before `start`).
pub fn business_days_between(start: NaiveDate, end: NaiveDate, holidays: &[NaiveDate]) -> u32 {
    start
        .iter_days()
        .take_while(|d| *d <= end)
        .filter(|d| is_business_day(*d, holidays))
        .count() as u32
}

/// The `n`-th business day counting from `start` (itself included when it is one).
pub fn nth_business_day(start: NaiveDate, n: u32, holidays: &[NaiveDate]) -> NaiveDate {
    let mut count = 0;
    let mut day = start;
    loop {
        if is_business_day(day, holidays) {
            count += 1;
            if count >= n.max(1) {
                return day;
            }
        }
        day += Duration::days(1);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowStatus {
    /// Closed by a release within the limit.
    OnTime,
    /// Closed by a release after the limit.
    Late,
    /// Open now, still within the limit.
    Open,
    /// The limit has passed without a release.
    Overdue,
    /// Not yet open.
    Upcoming,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub year: i32,
    pub opens: NaiveDate,
    /// The last business day within the limit.
    pub deadline: NaiveDate,
    pub closed_by: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub business_days: Option<u32>,
    pub status: WindowStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annual {
    pub latest_version: Option<String>,
    pub latest_published: Option<NaiveDate>,
    /// The date by which the next release is due (a year after the latest).
    pub due: Option<NaiveDate>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub limit_business_days: u32,
    pub interval_years: u32,
    /// Past and current windows, oldest first.
    pub windows: Vec<Window>,
    /// The first window that opens after today.
    pub next: Window,
    pub annual: Annual,
}

fn window_opening(cycle: &Cycle, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, cycle.month.clamp(1, 12), 1).unwrap_or(NaiveDate::MIN)
}

/// The cycle report at `today` for releases given as (version, published), oldest first.
pub fn report(cycle: &Cycle, releases: &[(String, NaiveDate)], today: NaiveDate) -> Report {
    let step = cycle.interval_years.max(1) as i32;
    let holidays = &cycle.holidays;
    let make = |year: i32| {
        let opens = window_opening(cycle, year);
        let next_opens = window_opening(cycle, year + step);
        let deadline = nth_business_day(opens, cycle.limit_business_days, holidays);
        let closing = releases
            .iter()
            .find(|(_, d)| *d >= opens && *d < next_opens);
        let (status, business_days) = match closing {
            Some((_, d)) => {
                let days = business_days_between(opens, *d, holidays);
                (
                    if days <= cycle.limit_business_days {
                        WindowStatus::OnTime
                    } else {
                        WindowStatus::Late
                    },
                    Some(days),
                )
            }
            None if today < opens => (WindowStatus::Upcoming, None),
            None if today <= deadline => (WindowStatus::Open, None),
            None => (WindowStatus::Overdue, None),
        };
        Window {
            year,
            opens,
            deadline,
            closed_by: closing.map(|(v, _)| v.clone()),
            closed_on: closing.map(|(_, d)| *d),
            business_days,
            status,
        }
    };
    let mut windows = Vec::new();
    let mut year = cycle.first_year;
    while window_opening(cycle, year) <= today {
        windows.push(make(year));
        year += step;
    }
    let latest = releases.last();
    let due = latest.and_then(|(_, d)| d.checked_add_signed(Duration::days(365)));
    Report {
        limit_business_days: cycle.limit_business_days,
        interval_years: cycle.interval_years,
        windows,
        next: make(year),
        annual: Annual {
            latest_version: latest.map(|(v, _)| v.clone()),
            latest_published: latest.map(|(_, d)| *d),
            due,
            overdue: due.is_none_or(|due| today > due),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_and_holidays_are_not_business_days() {
        let holidays = [d("2025-01-01")];
        assert!(!is_business_day(d("2025-01-04"), &holidays), "a Saturday");
        assert!(!is_business_day(d("2025-01-05"), &holidays), "a Sunday");
        assert!(
            !is_business_day(d("2025-01-01"), &holidays),
            "a listed holiday"
        );
        assert!(is_business_day(d("2025-01-02"), &holidays));
    }

    #[test]
    fn january_2025_has_22_business_days_without_new_year() {
        // 23 weekdays in January 2025, less 1 January.
        assert_eq!(
            business_days_between(d("2025-01-01"), d("2025-01-31"), &[d("2025-01-01")]),
            22
        );
        assert_eq!(
            business_days_between(d("2025-01-01"), d("2025-01-31"), &[]),
            23
        );
        assert_eq!(
            business_days_between(d("2025-01-31"), d("2025-01-01"), &[]),
            0
        );
    }

    #[test]
    fn the_30th_business_day_of_january_2023() {
        // January 2023 opens on a Sunday; 2 and 16 January are holidays: 20 business days
        // in January, so the 30th is 14 February.
        let holidays = [d("2023-01-02"), d("2023-01-16")];
        assert_eq!(
            nth_business_day(d("2023-01-01"), 30, &holidays),
            d("2023-02-14")
        );
        assert_eq!(nth_business_day(d("2023-01-02"), 1, &[]), d("2023-01-02"));
    }

    fn cycle() -> Cycle {
        Cycle {
            interval_years: 2,
            month: 1,
            first_year: 2023,
            limit_business_days: 30,
            holidays: vec![
                d("2023-01-02"),
                d("2023-01-16"),
                d("2025-01-01"),
                d("2025-01-20"),
            ],
        }
    }

    #[test]
    fn windows_are_closed_on_time_late_or_left_open() {
        let releases = vec![
            ("2023.1".to_string(), d("2023-01-27")),
            ("2025.1".to_string(), d("2025-03-20")),
        ];
        let r = report(&cycle(), &releases, d("2026-12-04"));
        assert_eq!(r.windows.len(), 2);
        assert_eq!(r.windows[0].status, WindowStatus::OnTime);
        assert_eq!(
            r.windows[0].business_days,
            Some(18),
            "20 weekdays to the 27th, less 2 holidays"
        );
        assert_eq!(r.windows[1].status, WindowStatus::Late);
        assert_eq!(r.next.year, 2027);
        assert_eq!(r.next.status, WindowStatus::Upcoming);
        assert!(
            r.annual.overdue,
            "the latest release is more than a year old"
        );

        let r = report(&cycle(), &releases[..1], d("2025-01-10"));
        assert_eq!(r.windows[1].status, WindowStatus::Open);
        let r = report(&cycle(), &releases[..1], d("2025-06-01"));
        assert_eq!(r.windows[1].status, WindowStatus::Overdue);
    }

    #[test]
    fn the_annual_update_is_due_a_year_after_the_latest_release() {
        let releases = vec![("2026.1".to_string(), d("2026-01-27"))];
        let r = report(&cycle(), &releases, d("2026-12-04"));
        assert_eq!(r.annual.due, Some(d("2027-01-27")));
        assert!(!r.annual.overdue);
    }
}
