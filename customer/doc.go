// Package customer holds customer records, orders and interactions, and what
// a CRM does with them: a data-quality report, classification into levels
// and tags, reminders, pool reclaim and handover plans, duplicate detection
// and the referral graph.
//
// crmkit never owns storage. The host streams its records in — from a
// database cursor, ERP pages or a CSV file — as iter.Seq2[T, error]
// ([crmkit.Stream] turns a slice into one) and gets back plain values and
// plans that marshal to JSON and that it applies in its own transactions.
//
// # Records
//
// A [Customer] has an ID, a name, an owner (the sales rep; "" means the
// shared pool), a created time, a level, tags, a source, the ID of the
// customer who referred it, a [Birthday] in the Gregorian or the Chinese
// lunar calendar, a phone, an e-mail and free-form attributes. An [Order] is
// a purchase with a decimal amount in one currency; an [Interaction] is a
// follow-up (call, visit, message) with an optional next-contact time.
//
// # Input rules
//
// Every function that reads streams takes a context first and honours its
// cancellation, and takes its clock as an explicit asOf: nothing calls
// time.Now. Streams that go together are read in the order customers,
// orders, interactions, each once; no other order is required, so a plain
// SELECT will do. Window lengths are counted back from asOf.
//
// Bad records are never dropped silently. [Validate] reports every problem
// at once. The analyses stop at the first bad record with a
// [*crmkit.RecordError] naming the record (stream position, host ID, field)
// and wrapping a sentinel (crmkit.ErrMissing, ErrDuplicate, ErrUnknownRef,
// ErrFuture, ErrCurrency, ErrInvalid) for errors.Is; their SkipInvalid
// option skips bad records instead, and the result counts and lists them.
// What Validate accepts, every analysis accepts.
//
// # Data quality
//
// [Validate] checks customers, orders and interactions against asOf:
// missing required fields, duplicate IDs, references to unknown customers
// (orders, interactions, referrers), self-referrals and referral rings,
// negative amounts, timestamps after asOf, mixed currencies and impossible
// birthdays (Feb 29 in a non-leap year, lunar days outside 1..30; a hook in
// [ValidateOptions] can check lunar dates further). Its [Report] gives, per
// record kind and per field, how complete the field is and how many
// problems of each kind it has, and lists offending records up to a bound.
// Every record read is counted as accepted or rejected.
//
// # Classification
//
// [Classify] assigns levels and tags by declarative [Rule] values — data,
// not code, so hosts can keep them in configuration as JSON. A rule's
// conditions test spend or order count over a window, days since the last
// purchase or contact, age, referrals brought, source, current level, tags
// and attributes. Rules are tried in order: the first matching rule that
// sets a level decides the level, and tags accumulate; each [Assignment]
// names the rule behind every level and tag. [ValidateRules] checks a rule
// set before use.
//
// # Reminders, pool reclaim and handover
//
// The package also plans the day-to-day work of a sales team. Reminders
// list, for a window and in the host's time zone, customer birthdays —
// including lunar birthdays, through a Chinese lunar calendar conversion
// covering 1900–2100, and Feb 29 birthdays in non-leap years by a
// documented rule — holidays from a host-supplied calendar (a default one
// knows fixed-date holidays and the lunar festivals), next-contact dates
// from interactions and customers nobody has contacted for N days.
//
// Pool reclaim rules return customers to the shared pool after N days
// without a follow-up, an open deal or a purchase, with N per customer
// level, and warn K days ahead; the result is a plan naming each customer,
// its owner, the reason and the date.
//
// When a rep leaves, a handover plan reassigns every one of their
// customers to the remaining reps by a policy (round robin, least loaded,
// capacity-weighted, keep by tag or territory), carries along the IDs of
// open deals and pending follow-ups, respects capacities or says which
// customers could not be placed and why, and keeps an audit trail. A
// verification function checks a plan against the book: nothing lost,
// nothing duplicated.
//
// # Duplicates
//
// [FindDuplicates] finds customers that are likely the same: a shared
// phone number after [NormalizePhone] (country prefixes such as +86 and
// 0086, trunk zeros, full-width digits, extensions), a shared e-mail after
// [NormalizeEmail] (case; optionally Gmail dots and +tags), and similar
// names by [NameSimilarity] (Jaro-Winkler on sorted tokens for Latin names,
// character-bigram Jaccard for Chinese names, with width, case, accent,
// honorific and legal-form folding). Each [DuplicatePair] carries a score
// and its [Evidence]; clusters join pairs transitively. Blocking on shared
// keys, with a sorted-neighbourhood window in large blocks, keeps the work
// near-linear: a million customers take seconds, not n² comparisons. Names
// are compared on their first 128 characters, so no name is too long.
//
// # Referrals
//
// [BuildReferralGraph] builds who-brought-whom from ReferredBy. A
// self-referral or a ring of referrals is a [*ReferralError] naming its
// records; a referrer missing from the book is an error, a dropped link or
// an external node, as [ReferralOptions] says. [ReferralGraph.Value] streams
// orders and credits each referrer with the revenue, in a window, of the
// customers it brought — directly and over further levels, each level
// weighted by a decay. It takes time linear in the number of customers at
// any depth; the per-level breakdown lists at most [MaxReferralLevels]
// levels, deeper ones still count in the value.
//
// # Money and precision
//
// Amounts are decimal.Decimal and sums of money stay decimal, exactly: no
// float64 ever touches an amount in this package. The one rounding: a
// referral value over more than [MaxReferralLevels] levels keeps 24
// decimal places in its products. One call handles one
// currency; an order in another is an error (crmkit.ErrCurrency), not a
// silent sum. Similarities and scores are float64 in [0, 1].
//
// # Memory and concurrency
//
// Memory grows with the number of customers, not with the length of the
// order or interaction streams: a book of a million customers and ten
// million orders streams through [Validate], [Classify] and
// [ReferralGraph.Value] in a few hundred megabytes. The functions keep no
// global state and are safe to call concurrently; results and the
// [ReferralGraph] are not modified after they are returned. Options are
// structs whose zero value (or a nil pointer) means the documented
// defaults.
package customer
