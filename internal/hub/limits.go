package hub

import "time"

// Limits the handlers enforce. Each refusal names the limit it hit, so a
// client that runs into one knows what to change.
const (
	// MaxSubscriptionTopics is how many topic selectors one subscription
	// request may carry (the spec lets a hub set an arbitrary limit).
	MaxSubscriptionTopics = 64
	// MaxUpdateTopics is how many topics (canonical and alternates) one
	// published update may carry.
	MaxUpdateTopics = 64
	// MaxTopicLength is the longest topic a publisher may give, in bytes;
	// the same as the longest selector, so every topic is subscribable.
	MaxTopicLength = MaxSelectorLength
	// MaxIDLength is the longest update id a publisher may give, in bytes.
	MaxIDLength = 512
	// MaxTypeLength is the longest event type a publisher may give.
	MaxTypeLength = 256
	// MaxPublishBody is the largest publish request body, in bytes.
	MaxPublishBody = 1 << 20
	// MaxQueryParams is how many parameters a request's query may hold
	// (more is a 400 saying so). It is below Go's own limit (10,000), past
	// which net/url drops the whole query and a subscription would seem
	// to have no topic.
	MaxQueryParams = 1000
)

// Defaults of the Config fields that leave the zero value to the hub.
const (
	// DefaultHeartbeat is the interval of keep-alive comments; it is shorter
	// than the idle timeouts of common proxies and load balancers (30–60s).
	DefaultHeartbeat = 15 * time.Second
	// DefaultQueueSize is how many encoded updates wait for a subscriber
	// before it counts as too slow and is disconnected.
	DefaultQueueSize = 256
	// DefaultWriteTimeout bounds each write to a subscriber: one whose
	// connection takes longer to accept bytes is disconnected.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxSubscriberTemplates is how many distinct URI templates one
	// subscription may carry: a page subscribes to a few.
	DefaultMaxSubscriberTemplates = 32
	// DefaultMaxTemplates is how many distinct URI templates the hub holds
	// for all its subscribers: about 16 KB each, so some 160 MB at most,
	// and each costs every update that may match it a suffix test.
	DefaultMaxTemplates = 10000
	// DefaultMaxReplays is how many replays of the history run at once:
	// a replay of a few updates takes a millisecond, so a reconnection
	// storm queues briefly, and the replays' memory stays under some
	// 16 × 2 MB whatever the history holds.
	DefaultMaxReplays = 16
	// DefaultMaxSubscribersPerAddress is how many subscriptions one
	// address may hold: a widget page needs one, and many fans may share
	// the address of a carrier's NAT.
	DefaultMaxSubscribersPerAddress = 1024
)

// replayWait is how long a subscription waits for a replay's turn before
// it is refused with 503; replayRetryAfter its Retry-After.
const (
	replayWait       = time.Second
	replayRetryAfter = time.Second
)

// replayTimeout bounds how long a replay from the history holds its turn,
// so that a client reading slowly cannot keep it: past it, the stream
// ends and the client resumes from the last update it got.
const replayTimeout = 30 * time.Second

// pruneInterval is how often the retention goroutine prunes the history.
const pruneInterval = time.Minute
