package search

import "proact/models"

// The controlled lists the index uses, in one place (the models package
// decides how they are exposed).

func languageCodes() []string { return models.Languages().Terms() }

func knownLanguage(lang string) bool { return models.Languages().Has(lang) }

func knownCountry(c string) bool { return models.Countries().Has(c) }

func knownTopic(t string) bool { return models.Topics().Has(t) }

func knownSector(s string) bool { return models.Sectors().Has(s) }

func knownOrgType(t string) bool { return models.OrganisationTypes().Has(t) }
