//! The generator's customers: the regulars, the notable customers, then people with
//! common names, each with a phone number, e-mail and `ServiceTitan` id of their own.

use rand::Rng;

use super::{
    ascii_lower, common_name, Generator, COMMON_NAMES, CUSTOMER_NAME_STEP, FIRST_CUSTOMER_NUMBER, FIRST_EXCHANGE,
    FIRST_SERVICETITAN_ID,
};
use crate::domain::Customer;
use crate::seed::tables::{AREA_CODES, EMAIL_DOMAINS, NOTABLE_CUSTOMERS, NO_EMAIL_PERCENT, NO_PHONE_PERCENT};

/// A customer with what the scripts need to address them.
#[derive(Debug, Clone)]
pub(super) struct DemoCustomer {
    pub(super) customer: Customer,
    pub(super) first_name: String,
    pub(super) vip: bool,
}

/// Customers.
impl Generator {
    pub(super) fn next_customer(&mut self) -> Option<(DemoCustomer, u32)> {
        let index = self.customers_begun;
        let count = *self.plan.get(index)?;
        self.customers_begun += 1;
        Some((self.customer_at(index), count))
    }

    /// The regulars, the notable customers, then people with common names.
    fn customer_at(&mut self, index: usize) -> DemoCustomer {
        if let Some(regular) = self.regulars.get(index) {
            return regular.clone();
        }
        let numbered = index - self.regulars.len();
        if let Some(&(name, first_name, email_local, business)) = NOTABLE_CUSTOMERS.get(numbered) {
            return self.customer(numbered as u64, name.to_owned(), first_name, email_local, business);
        }
        let common = (numbered - NOTABLE_CUSTOMERS.len()) as u64;
        let (first, last) = common_name(self.first_name + common * CUSTOMER_NAME_STEP);
        let mut email_local = self.email_local(first, last);
        // Names come round again after every pair was used; their e-mails stay apart.
        let round = common / COMMON_NAMES;
        if round > 0 {
            email_local = format!("{email_local}.{round}");
        }
        self.customer(numbered as u64, format!("{first} {last}"), first, &email_local, false)
    }

    fn email_local(&mut self, first: &str, last: &str) -> String {
        let (first, last) = (ascii_lower(first), ascii_lower(last));
        match self.rng.random_range(0..4) {
            0 => format!("{first}{last}"),
            1 => format!("{first}_{last}"),
            2 => format!("{first}.{last}{}", self.rng.random_range(60..100)),
            _ => format!("{first}.{last}"),
        }
    }

    /// The `n`-th numbered customer.
    fn customer(&mut self, n: u64, name: String, first_name: &str, email_local: &str, business: bool) -> DemoCustomer {
        let reach = if business { 99 } else { self.rng.random_range(0..100) };
        let has_phone = reach >= NO_PHONE_PERCENT;
        let has_email = !(NO_PHONE_PERCENT..NO_PHONE_PERCENT + NO_EMAIL_PERCENT).contains(&reach);
        let phone = has_phone.then(|| self.phone(n));
        let email = has_email.then(|| format!("{email_local}@{}", self.pick(&EMAIL_DOMAINS)));
        let servicetitan_id = self.rng.random_bool(0.85).then(|| self.servicetitan_id(n));
        let vip = business || self.rng.random_bool(0.08);
        let customer =
            Customer { id: format!("cust_{}", FIRST_CUSTOMER_NUMBER + n), name, phone, email, servicetitan_id };
        DemoCustomer { customer, first_name: first_name.to_owned(), vip }
    }

    /// `+1`, a local area code, then an exchange and a line that are the `n`-th
    /// customer's own.
    fn phone(&mut self, n: u64) -> String {
        let area = self.pick(&AREA_CODES);
        let number = self.phone_numbers.nth(n, &mut self.rng);
        format!("+1{area}{}{:04}", FIRST_EXCHANGE + number / 10_000, number % 10_000)
    }

    fn servicetitan_id(&mut self, n: u64) -> String {
        (FIRST_SERVICETITAN_ID + self.servicetitan_ids.nth(n, &mut self.rng)).to_string()
    }
}
