"""The form of the notification choices."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField

from consult.notify.models import CATEGORIES


class ChoicesForm(FlaskForm):
    """One frequency per category, read as sent: the service checks them, and names sent
    that are no category are kept so that it refuses them instead of ignoring them."""

    versions = StringField()
    deadlines = StringField()
    replies = StringField()
    proposals = StringField()

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """Note the names sent that are not fields, then read the fields."""
        formdata = self.meta.wrap_formdata(self, formdata)  # the request's, when sent
        self.unknown_names = sorted(set(formdata.keys()) - set(self._fields)) \
            if formdata is not None else []
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def values(self) -> dict[str, str]:
        """Every category's frequency as sent (None if absent), and the unknown names."""
        sent = {category: self[category].raw_data[0] if self[category].raw_data else None
                for category in CATEGORIES}
        return {**sent, **{name: None for name in self.unknown_names}}
