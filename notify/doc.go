// Package notify delivers the e-mails that the stores queue in their outbox:
// a Dispatcher claims due messages, hands each to a Sender (SMTPSender for a
// mail server, DirSender for .eml files on disk) and records the outcome.
//
// The stores write a message in the same transaction as the change it
// announces, so an order and its confirmation exist together or not at all;
// this package owns getting the message out afterwards. Several seatd nodes
// may run dispatchers against one database: a claim leases its messages, so
// no two dispatchers send one message at the same time, and a dispatcher that
// dies leaves its messages to the others once the lease ends.
//
// Delivery is at least once, not exactly once. A message whose MarkSent
// succeeded is never sent again, but no protocol can make sending and marking
// one atomic: a crash, a lost connection to the database or a lease that ran
// out after the mail server accepted a message and before MarkSent recorded
// it makes a later claim send it again. Every e-mail therefore carries
// "Message-ID: <outbox id@seatmap>", the same on every attempt, and the same
// Date and bytes, so receivers and mail systems that deduplicate by
// Message-ID drop the repeat.
//
// notify imports outbox for the message type and internal/startstop for the
// Dispatcher's Start and Stop. It must not import the store adapters,
// engine, seating, checkout, api or anything that serves requests: it sees
// the store through Outbox, the three methods it needs.
package notify
