package bot

import "sync"

// maxQueued bounds the updates waiting to be handled, across chats:
// past it the webhook answers 503 (Telegram delivers again later) and
// polling, which fetches at most pollLimit at a time, never gets near.
const maxQueued = 4096

// chatQueues holds the updates waiting to be handled, a queue per chat,
// and hands them to workers one chat at a time and the chats in turn:
// a worker takes the chat that has waited longest, handles one of its
// updates and puts the chat back at the end of the line. So one chat's
// updates are handled in order and never two at once, and a chat that
// floods the bot gets one turn in as many as there are chats waiting,
// never holding up the others behind its backlog.
type chatQueues struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queues  map[int64][]job
	line    []int64 // chats with updates waiting and no worker on them
	busy    map[int64]bool
	queued  int
	stopped bool
}

func newChatQueues() *chatQueues {
	q := &chatQueues{queues: make(map[int64][]job), busy: make(map[int64]bool)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push queues j behind its chat's earlier updates. It reports false,
// queueing nothing, when maxQueued are waiting or the queues stopped.
func (q *chatQueues) push(chat int64, j job) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped || q.queued >= maxQueued {
		return false
	}
	if len(q.queues[chat]) == 0 && !q.busy[chat] {
		q.line = append(q.line, chat)
	}
	q.queues[chat] = append(q.queues[chat], j)
	q.queued++
	q.cond.Signal()
	return true
}

// next waits for the next update of the chat first in line and takes
// the chat; ok is false once the queues stopped and are empty.
func (q *chatQueues) next() (chat int64, j job, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.line) == 0 {
		if q.stopped {
			return 0, job{}, false
		}
		q.cond.Wait()
	}
	chat, q.line = q.line[0], q.line[1:]
	j = q.queues[chat][0]
	q.queues[chat] = q.queues[chat][1:]
	q.queued--
	q.busy[chat] = true
	return chat, j, true
}

// done gives chat back after one of its updates was handled: to the
// end of the line when it has more.
func (q *chatQueues) done(chat int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.busy, chat)
	if len(q.queues[chat]) > 0 {
		q.line = append(q.line, chat)
		q.cond.Signal()
	} else {
		delete(q.queues, chat)
	}
}

// stop takes no more updates; workers finish those queued, then end.
func (q *chatQueues) stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stopped = true
	q.cond.Broadcast()
}
