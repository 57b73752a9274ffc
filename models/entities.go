package models

import "time"

// Practice statuses: only published notes are shown to readers.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// Visibility values.
const (
	VisibilityPublic  = "public"
	VisibilityMembers = "members"
)

// Roles a user may hold.
const (
	RoleAdmin     = "admin"
	RoleModerator = "moderator"
	RoleMember    = "member"
)

// Organisation is a member organisation of the network.
type Organisation struct {
	ID              uint
	Slug            string
	Name            string
	Country         string
	City            string
	Type            string
	Website         string
	PublicEmail     string
	DescriptionMD   string `gorm:"column:description_md"`
	DescriptionHTML string `gorm:"column:description_html"`
	Status          string
	Demo            bool
	PublicPhone     string
	// The members-only contact: shown to signed-in members, never to visitors.
	ContactName     string
	ContactEmail    string
	ContactPhone    string
	SuspendedReason string
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// RefersTo lists the slugs of organisations this one refers people to.
	RefersTo []string `gorm:"-"`
	// Terms are loaded from organisation_terms: services, referral stages, languages.
	Services       []string `gorm:"-"`
	ReferralStages []string `gorm:"-"`
	Languages      []string `gorm:"-"`
}

// User is a person who can sign in.
type User struct {
	ID                 uint
	Email              string
	Name               string
	PasswordHash       string
	Role               string
	OrganisationID     *uint
	Language           string
	Status             string
	MustChangePassword bool
	OrgAdmin           bool
	TOTPSecret         string `gorm:"column:totp_secret"`
	TOTPEnabled        bool   `gorm:"column:totp_enabled"`
	// SessionEpoch is stored in every session; raising it ends them all.
	SessionEpoch int
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// User statuses.
const (
	UserActive   = "active"
	UserInvited  = "invited" // no password yet: waiting for the invitation
	UserDisabled = "disabled"
)

// Practice is a practice note: a good or promising practice written by a member.
type Practice struct {
	ID             uint
	Slug           string
	Title          string
	Summary        string
	Language       string
	Stage          string
	Evidence       string
	Visibility     string
	Status         string
	OrganisationID *uint
	TranslationOf  string
	BodyMD         string `gorm:"column:body_md"`
	BodyHTML       string `gorm:"column:body_html"`
	Version        int
	PublishedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time

	Organisation *Organisation `gorm:"-"`
	// Terms are loaded from practice_terms.
	Countries    []string `gorm:"-"`
	Topics       []string `gorm:"-"`
	Sectors      []string `gorm:"-"`
	Indicators   []string `gorm:"-"`
	TargetGroups []string `gorm:"-"`
}

// termSets maps a vocabulary name to the practice's slice of terms, so that
// loading and saving terms is one loop for every list.
func (p *Practice) termSets() map[string]*[]string {
	return map[string]*[]string{
		Countries().Name():    &p.Countries,
		Topics().Name():       &p.Topics,
		Sectors().Name():      &p.Sectors,
		Indicators().Name():   &p.Indicators,
		TargetGroups().Name(): &p.TargetGroups,
	}
}

func (o *Organisation) termSets() map[string]*[]string {
	return map[string]*[]string{
		Services().Name():       &o.Services,
		ReferralStages().Name(): &o.ReferralStages,
		Languages().Name():      &o.Languages,
	}
}

// PracticeTerm is one vocabulary term attached to a practice.
type PracticeTerm struct {
	PracticeID uint
	Vocab      string
	Term       string
}

// OrganisationTerm is one vocabulary term attached to an organisation.
type OrganisationTerm struct {
	OrganisationID uint
	Vocab          string
	Term           string
}

// Outbox kinds and operations.
const (
	KindPractice     = "practice"
	KindOrganisation = "organisation"
	OpUpsert         = "upsert"
	OpDelete         = "delete"
)

// OutboxEntry records a change to searchable content, written in the same
// transaction as the change; the indexer of every instance follows it.
type OutboxEntry struct {
	ID        uint64
	Kind      string
	EntityID  uint
	Op        string
	CreatedAt time.Time
}

// TableName keeps the table name singular, as in the migrations.
func (OutboxEntry) TableName() string { return "outbox" }
