"""Branch CRM: customer desk for express-delivery branch offices."""

__version__ = "0.1.0"
APP_NAME = "BranchCRM"
