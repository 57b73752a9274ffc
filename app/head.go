package app

// Head is what a page adds to the <head> of the layout: how robots treat
// it, its canonical address, its versions in other languages (hreflang),
// its Open Graph description and its feeds. The zero value adds nothing.
type Head struct {
	Robots     string // "noindex" for pages a search engine should not keep
	Canonical  string
	Alternates []Alternate
	OpenGraph  []MetaProperty
	Feeds      []FeedLink
}

// Alternate is a version of the page in another language.
type Alternate struct{ Lang, Href string }

// MetaProperty is one Open Graph <meta property content>.
type MetaProperty struct{ Property, Content string }

// FeedLink is an Atom feed of the page's content.
type FeedLink struct{ Title, Href string }
