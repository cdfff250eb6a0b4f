package push

import "time"

// Subscription is a saved question sent on a schedule to channels, with
// its owner's permissions applied at every send.
type Subscription struct {
	ID        string    `json:"id"`
	Owner     string    `json:"owner_id"`
	OwnerName string    `json:"owner"`
	Question  string    `json:"question"`
	Schedule  string    `json:"schedule"`
	Timezone  string    `json:"timezone"`
	Channels  []Channel `json:"channels"`
	Paused    bool      `json:"paused"`
	// Insight adds 数据解读 to each report: the change on the previous period
	// and its top drivers (an alert's firing notice always carries them).
	Insight bool      `json:"insight,omitempty"`
	Created time.Time `json:"created"`
	// LastTick is the latest scheduled time that has run.
	LastTick time.Time `json:"last_tick,omitzero"`
}

// Public is the subscription as the API shows it: secrets replaced by "set".
func (s Subscription) Public() Subscription {
	chs := make([]Channel, len(s.Channels))
	for i, c := range s.Channels {
		if c.Secret != "" {
			c.Secret = "set"
		}
		chs[i] = c
	}
	s.Channels = chs
	return s
}

// Run states and delivery states.
const (
	RunRunning = "running"
	RunDone    = "done"
	RunFailed  = "failed"

	DeliveryPending = "pending"
	DeliverySending = "sending" // written before the request: after a crash it is not resent
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// Run is one send of a subscription: for a scheduled tick or by hand.
type Run struct {
	ID           string     `json:"id"`
	Subscription string     `json:"subscription"`
	Scheduled    time.Time  `json:"scheduled"`
	Trigger      string     `json:"trigger"` // schedule or manual
	Started      time.Time  `json:"started"`
	Finished     time.Time  `json:"finished,omitzero"`
	State        string     `json:"state"`
	Answer       string     `json:"answer,omitempty"`
	Rows         int        `json:"rows"`
	Error        string     `json:"error,omitempty"`
	Deliveries   []Delivery `json:"deliveries"`
	// Report is what the run sends, kept so a resumed run sends the same.
	Report *Report `json:"report,omitempty"`
}

// Delivery is one channel's part of a run.
type Delivery struct {
	Channel  int       `json:"channel"`
	Type     string    `json:"type"`
	State    string    `json:"state"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at,omitzero"`
}
